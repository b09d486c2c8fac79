import * as z from 'zod/mini';
import { isoTime } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import type { Deps } from '../deps.ts';

/** The /dev routes exist only on the local stage; elsewhere they answer like an unknown route. */
export function requireDevMode(deps: Deps, route: string): NonNullable<Deps['devClock']> {
  if (!deps.devMode || !deps.devClock) throw new AppError('NOT_FOUND', `no route ${route}`);
  return deps.devClock;
}

export const setClockCommand = defineCommand({
  name: 'dev.setClock',
  roles: ['customer'],
  input: z.object({ now: isoTime() }),
  http: { method: 'POST', path: '/dev/clock' },
  async run({ deps }, input) {
    await requireDevMode(deps, 'POST /dev/clock').set(Date.parse(input.now));
    return { now: toBizIso(deps.clock.now()) };
  },
});

export const resetClockCommand = defineCommand({
  name: 'dev.resetClock',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'DELETE', path: '/dev/clock' },
  async run({ deps }) {
    await requireDevMode(deps, 'DELETE /dev/clock').reset();
    return { now: toBizIso(deps.clock.now()) };
  },
});

export const getClockCommand = defineCommand({
  name: 'dev.clock',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/dev/clock' },
  async run({ deps }) {
    requireDevMode(deps, 'GET /dev/clock');
    return { now: toBizIso(deps.clock.now()) };
  },
});

export const devClockCommands = [setClockCommand, resetClockCommand, getClockCommand];
