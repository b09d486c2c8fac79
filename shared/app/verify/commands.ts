import type { Command, Job } from '#app/command';
import { arrivalCommand } from './arrival.ts';
import { leaderOrdersCommand } from './orders.ts';
import { overdueJob, returnsCommand } from './overdue.ts';
import { batchCommand, redeemCommand } from './redeem.ts';

/** The verify function's commands (arrival, pickup verification, the leader's lists) and its job. */
export const verifyCommands: Command<any, any>[] = [leaderOrdersCommand, arrivalCommand, redeemCommand, batchCommand, returnsCommand];
export const verifyJobs: Job[] = [overdueJob];

export { arrivalCommand, batchCommand, leaderOrdersCommand, overdueJob, redeemCommand, returnsCommand };
