import type { FunctionModule } from '#platform/command';
import { adminCatalogCommands } from '#app/admin/commands';
import { runJobCommand } from '#app/admin/jobs';
import { decideAfterSalesCommand, listAfterSalesCommand } from '#app/after-sales/commands';
import { expireJob } from '#app/orders/commands';
import { overdueJob } from '#app/verify/commands';

/** The back office: catalogue, leaders, coupons, after-sales review, and running any job now. */
export const adminModule: FunctionModule = {
  name: 'admin',
  commands: [...adminCatalogCommands, listAfterSalesCommand, decideAfterSalesCommand, runJobCommand([expireJob, overdueJob])],
};
