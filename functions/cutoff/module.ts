import type { FunctionModule } from '#platform/command';

export const cutoffModule: FunctionModule = { name: 'cutoff', commands: [], jobs: [] };
