import type { FunctionModule } from '#app/command';
import { catalogCommand, communitiesCommand } from '#app/catalog/commands';
import { expireJob, orderCommands } from '#app/orders/commands';
import { afterSalesCommand } from '#app/after-sales/commands';

export const orderModule: FunctionModule = {
  name: 'order',
  commands: [communitiesCommand, catalogCommand, ...orderCommands, afterSalesCommand],
  jobs: [expireJob],
};
