import type { FunctionModule } from '#platform/command';

export const notifyModule: FunctionModule = { name: 'notify', commands: [], jobs: [] };
