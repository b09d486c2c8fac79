import type { FunctionModule } from '#platform/command';

export const settleModule: FunctionModule = { name: 'settle', commands: [], jobs: [] };
