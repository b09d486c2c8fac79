import type { FunctionModule } from '#platform/command';

export const verifyModule: FunctionModule = { name: 'verify', commands: [], jobs: [] };
