import { describe, expect, it } from 'vitest';
import { createCloudMain } from '#platform/cloudbase';
import type { Command } from '#platform/command';
import { FUNCTIONS } from './registry.ts';

/**
 * A command's name is its identity on CloudBase (`{ action }` of its function), in the README's
 * route table and in logs: two commands with one name would make one of them unreachable on
 * CloudBase (as `admin.upsertProduct` once was, registered for POST and PUT).
 */
describe('the command registry', () => {
  const all = FUNCTIONS.flatMap((m) => m.commands.map((c) => ({ fn: m.name, command: c as Command })));

  it('gives every command a distinct name', () => {
    const names = all.map((x) => x.command.name);
    const repeated = names.filter((n, i) => names.indexOf(n) !== i);
    expect(repeated).toEqual([]);
  });

  it('names every command `<its function>.<action>`', () => {
    for (const { fn, command } of all) expect(command.name, command.name).toMatch(new RegExp(`^${fn}\\.[A-Za-z]+$`));
  });

  it('reaches every command as a CloudBase action of its function (the CloudBase entry runs that very command)', async () => {
    for (const mod of FUNCTIONS) {
      for (const command of mod.commands) {
        const reached: string[] = [];
        // The same module with each command's run replaced by a marker, through the real transport.
        const marked = {
          ...mod,
          commands: mod.commands.map((c) => ({ ...c, roles: 'public' as const, input: { safeParse: (v: unknown) => ({ success: true, data: v }) } as never, run: async () => reached.push(c.name) })),
        };
        const main = createCloudMain(marked, async () => ({ sessions: { verify: async () => undefined }, callerRoles: async () => [] }), () => undefined);
        const answer = await main({ action: command.name.slice(command.name.indexOf('.') + 1) }, {});
        expect(answer, command.name).toMatchObject({ ok: true });
        expect(reached, command.name).toEqual([command.name]);
      }
    }
  });
});
