import type { FunctionModule } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { catalogCommand, communitiesCommand } from '#app/catalog/commands';
import { expireJob, orderCommands, refundsJob } from '#app/orders/commands';
import { afterSalesCommand } from '#app/after-sales/commands';
import { rateCommand } from '#app/orders/rating';
import { cloudPayCallbackCommands } from '#app/orders/cloud-pay-callbacks';
import { shareCommands } from '#app/share/commands';
import { walletCommands } from '#app/wallet/commands';
import { levelsJob } from '#app/wallet/levels';
import { addressCommands } from '#app/delivery/addresses';

/** Jobs run leased for the function's timeout (registry SIZING; jobs-lease.test.ts checks the two agree). */
export const orderModule: FunctionModule = withJobRunner(
  {
  name: 'order',
  // cloudPay's callbacks: no HTTP route; CloudBase platform events only (see cloud-pay-callbacks.ts).
  commands: [communitiesCommand, catalogCommand, ...orderCommands, rateCommand, afterSalesCommand, ...cloudPayCallbackCommands, ...shareCommands, ...walletCommands, ...addressCommands],
  jobs: [expireJob, refundsJob, levelsJob],
  },
  28,
);
