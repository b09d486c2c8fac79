/**
 * After-sales (售后) commands, wired by the lead: `order.afterSales` into the order function,
 * `admin.afterSales` and `admin.decideAfterSales` into the admin function.
 */
export { afterSalesCommand } from './request.ts';
export { decideAfterSalesCommand, listAfterSalesCommand } from './decide.ts';
