import type { Command, Job } from '#app/command';
import { arrivalCommand } from './arrival.ts';
import { customersCommand, moveCustomerCommand } from './customers.ts';
import { leaderOrdersCommand } from './orders.ts';
import { overdueJob, returnsCommand } from './overdue.ts';
import { batchCommand, redeemCommand } from './redeem.ts';
import { overdueHeartbeat } from './heartbeat.ts';

/** The verify function's commands (arrival, pickup verification, the leader's lists) and its scheduled job (the hourly heartbeat). */
export const verifyCommands: Command<any, any>[] = [leaderOrdersCommand, arrivalCommand, redeemCommand, batchCommand, returnsCommand, customersCommand, moveCustomerCommand];
export const verifyJobs: Job[] = [overdueHeartbeat];

export { arrivalCommand, batchCommand, customersCommand, moveCustomerCommand, leaderOrdersCommand, overdueJob, redeemCommand, returnsCommand };
