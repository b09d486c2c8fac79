import type { FunctionModule } from '#app/command';
import { settleCommands } from '#app/settle/commands';
import { settleJob } from '#app/settle/run';

export const settleModule: FunctionModule = { name: 'settle', commands: [...settleCommands], jobs: [settleJob] };
