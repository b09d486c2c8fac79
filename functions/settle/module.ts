import type { FunctionModule } from '#app/command';
import { settleCommands } from '#app/settle/commands';
import { settleHeartbeat } from '#app/settle/heartbeat';

export const settleModule: FunctionModule = { name: 'settle', commands: [...settleCommands], jobs: [settleHeartbeat] };
