import type { FunctionModule } from '#platform/command';
import { verifyCommands, verifyJobs } from '#app/verify/commands';

export const verifyModule: FunctionModule = { name: 'verify', commands: verifyCommands, jobs: verifyJobs };
