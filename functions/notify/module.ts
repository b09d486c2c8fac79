import type { FunctionModule } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { notifyCommands, notifyJob } from '#app/notify/commands';

/** Subscription quota, the outbox drain (job `notify`) and its dead letters. */
export const notifyModule: FunctionModule = withJobRunner({ name: 'notify', commands: notifyCommands, jobs: [notifyJob] }, 60);
