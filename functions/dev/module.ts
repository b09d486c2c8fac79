import type { FunctionModule } from '#app/command';
import { devLoginCommand } from '#app/auth/commands';
import { devClockCommands } from '#app/dev/commands';
import { devDocsCommands } from '#app/dev/docs';
import { devPayCommand, devRefundCommand } from '#app/orders/commands';
import { devOutboxCommand } from '#app/notify/dev-outbox';
import { devPayoutCommand } from '#app/settle/dev';
import { devSmsCommand } from '#app/sms/dev';
import { devStorageCommand } from '#app/share/dev-storage';

/** Local stage only: every command refuses with NOT_FOUND unless AUTH_MODE=dev. */
export const devModule: FunctionModule = { name: 'dev', commands: [devLoginCommand, ...devClockCommands, devPayCommand, devRefundCommand, devOutboxCommand, devSmsCommand, devPayoutCommand, ...devDocsCommands, devStorageCommand] };
