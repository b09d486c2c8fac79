import type { FunctionModule } from '#app/command';
import { notifyCommands, notifyJob } from '#app/notify/commands';

/** Subscription quota, the outbox drain (job `notify`) and its dead letters. */
export const notifyModule: FunctionModule = { name: 'notify', commands: notifyCommands, jobs: [notifyJob] };
