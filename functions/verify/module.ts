import type { FunctionModule } from '#app/command';
import { verifyCommands, verifyJobs } from '#app/verify/commands';

export const verifyModule: FunctionModule = { name: 'verify', commands: verifyCommands, jobs: verifyJobs };
