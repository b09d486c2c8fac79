import type { FunctionModule } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { verifyCommands, verifyJobs } from '#app/verify/commands';
import { workspaceLeaderCommands } from '#app/workspace/commands';
import { deliverCommand } from '#app/delivery/deliver';

/** Jobs run leased for the function's timeout (registry SIZING; jobs-lease.test.ts checks the two agree). */
export const verifyModule: FunctionModule = withJobRunner({ name: 'verify', commands: [...verifyCommands, ...workspaceLeaderCommands, deliverCommand], jobs: verifyJobs }, 300);
