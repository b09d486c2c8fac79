import type { Transport } from '../../client/runtime.ts';
import { outputOf } from '#app/outputs';
import { toIssues } from '#platform/schema';
import { FUNCTIONS } from '../../functions/registry.ts';

const commands = new Map(FUNCTIONS.flatMap((m) => m.commands).map((c) => [c.name, c]));

/**
 * A client transport that checks every successful answer against the command's output schema
 * (shared/app/outputs.ts, or the command's own `output`) and counts the checked answers per
 * command, so a test can assert which commands it covered. An answer outside its schema fails
 * the call with the schema's issues.
 */
export function checkedTransport(inner: Transport, checked: Map<string, number>): Transport {
  return {
    async call(op, input) {
      const data = await inner.call(op, input);
      const command = commands.get(op.name);
      const schema = command ? outputOf(command) : undefined;
      if (schema) {
        const result = schema.safeParse(data);
        if (!result.success) throw new Error(`${op.name} answered outside its output schema: ${JSON.stringify(toIssues(result.error))}\n${JSON.stringify(data).slice(0, 1500)}`);
        checked.set(op.name, (checked.get(op.name) ?? 0) + 1);
      }
      return data;
    },
  };
}
