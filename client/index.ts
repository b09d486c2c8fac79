/**
 * The typed client of the groupbuy API, generated from the command registry (`npm run gen`
 * writes client/operations.ts and client/types.ts; this file and runtime.ts are hand-written).
 *
 *   const api = createClient({ transport: httpTransport({ baseUrl, token: () => token }) });
 *   const { order } = await api.order.place({ communityId, items, requestId, contact });
 *
 * Standalone: imports nothing from the backend; copy the folder into a mini-program or a console.
 */
import { OPERATIONS, ERROR_STATUS, type ErrorCode } from './operations.ts';
import type { Client } from './types.ts';
import { ApiError, httpTransport, isApiError, miniProgramTransport as miniProgramTransportOf, type MiniProgramTransportOptions, type Operation, type Transport } from './runtime.ts';

export type * from './types.ts';
export { OPERATIONS, ERROR_STATUS, ApiError, isApiError, httpTransport };
export type { Client, ErrorCode, Operation, Transport };
export type { HttpTransportOptions, MiniProgramTransportOptions, CloudEnvelope } from './runtime.ts';

/** The mini-program transport; ApiError.status is the HTTP status of the code. */
export function miniProgramTransport(options: MiniProgramTransportOptions): Transport {
  return miniProgramTransportOf({ statusOf: (code) => ERROR_STATUS[code as ErrorCode] ?? 500, ...options });
}

/** A client whose methods are the commands: `client.order.place(input)`. */
export function createClient(options: { transport: Transport }): Client {
  const client: Record<string, Record<string, (input?: Record<string, unknown>) => Promise<unknown>>> = {};
  for (const op of Object.values(OPERATIONS) as Operation[]) {
    const ns = op.name.slice(0, op.name.indexOf('.'));
    (client[ns] ??= {})[op.action] = (input) => options.transport.call(op, input ?? {});
  }
  return client as unknown as Client;
}
