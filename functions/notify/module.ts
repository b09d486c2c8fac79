import type { FunctionModule } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { notifyCommands, notifyJob } from '#app/notify/commands';
import { ttlJob } from '#app/expiry';
import { auditStaffWrites } from '#app/audit/audit';

/** Subscription quota, the outbox drain (job `notify`) and its dead letters; the expiry of records on CloudBase (job `ttl`). */
export const notifyModule: FunctionModule = auditStaffWrites(withJobRunner({ name: 'notify', commands: notifyCommands, jobs: [notifyJob, ttlJob] }, 60));
