import type { FunctionModule } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { catalogCommand, communitiesCommand } from '#app/catalog/commands';
import { expireJob, orderCommands, refundsJob } from '#app/orders/commands';
import { afterSalesCommand } from '#app/after-sales/commands';

/** Jobs run leased for the function's timeout (registry SIZING; jobs-lease.test.ts checks the two agree). */
export const orderModule: FunctionModule = withJobRunner(
  {
  name: 'order',
  commands: [communitiesCommand, catalogCommand, ...orderCommands, afterSalesCommand],
  jobs: [expireJob, refundsJob],
  },
  28,
);
