import type { FunctionModule } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { cutoffCommands } from '#app/cutoff/commands';
import { cutoffJob } from '#app/cutoff/jobs';
import { shortageCommand } from '#app/cutoff/shortages';
import { auditStaffWrites } from '#app/audit/audit';
import { lateCommand } from '#app/cutoff/late';
import { dispatchCommand } from '#app/cutoff/dispatch';
import { deliveriesCommand } from '#app/delivery/deliveries';

/** Jobs run leased for the function's timeout (registry SIZING; jobs-lease.test.ts checks the two agree). */
export const cutoffModule: FunctionModule = auditStaffWrites(withJobRunner({ name: 'cutoff', commands: [...cutoffCommands, shortageCommand, lateCommand, dispatchCommand, deliveriesCommand], jobs: [cutoffJob] }, 300));
