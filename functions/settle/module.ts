import type { FunctionModule } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { settleCommands } from '#app/settle/commands';
import { settleHeartbeat } from '#app/settle/heartbeat';
import { auditStaffWrites } from '#app/audit/audit';
import { reconcileJob } from '#app/reconcile/reconcile';
import { reconciliationCommand } from '#app/reconcile/commands';

/** Jobs run leased for the function's timeout (registry SIZING; jobs-lease.test.ts checks the two agree). */
export const settleModule: FunctionModule = auditStaffWrites(withJobRunner({ name: 'settle', commands: [...settleCommands, reconciliationCommand], jobs: [settleHeartbeat, reconcileJob] }, 900));
