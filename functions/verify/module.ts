import type { FunctionModule } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { verifyCommands, verifyJobs } from '#app/verify/commands';
import { workspaceLeaderCommands } from '#app/workspace/commands';

/** Jobs run leased for the function's timeout (registry SIZING; jobs-lease.test.ts checks the two agree). */
export const verifyModule: FunctionModule = withJobRunner({ name: 'verify', commands: [...verifyCommands, ...workspaceLeaderCommands], jobs: verifyJobs }, 300);
