import type { z } from 'zod/mini';
import type * as platform from '#platform/command';
import type { Deps } from './deps.ts';

/**
 * The platform's command, job and module types bound to the use cases' `Deps`, so a use case
 * sees every port typed while the platform knows none of them.
 */
export type Command<S extends z.ZodMiniType = z.ZodMiniType, O = unknown> = platform.Command<S, O, Deps>;
export type CommandContext = platform.CommandContext<Deps>;
export type Job = platform.Job<Deps>;
export type FunctionModule = platform.FunctionModule<Deps>;
export type { RawResponse, Role, HttpBinding } from '#platform/command';

export const defineCommand = <S extends z.ZodMiniType, O>(c: Command<S, O>): Command<S, O> => c;
