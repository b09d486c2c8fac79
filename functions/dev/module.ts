import type { FunctionModule } from '#platform/command';
import { devClockCommands } from '#app/dev/commands';
import { devPayCommand } from '#app/orders/commands';

/** Local stage only: every command refuses with NOT_FOUND unless AUTH_MODE=dev. */
export const devModule: FunctionModule = { name: 'dev', commands: [...devClockCommands, devPayCommand] };
