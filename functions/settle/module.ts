import type { FunctionModule } from '#platform/command';
import { settleCommands } from '#app/settle/commands';
import { settleJob } from '#app/settle/run';

export const settleModule: FunctionModule = { name: 'settle', commands: [...settleCommands], jobs: [settleJob] };
