import type { FunctionModule } from '#app/command';
import { adminCatalogCommands } from '#app/admin/commands';
import { serviceAreaCommands } from '#app/catalog/service-area';
import { jobRunCommand, runJobCommand } from '#app/admin/jobs';
import { settingsCommands } from '#app/admin/settings';
import { staffAdminCommands } from '#app/staff/commands';
import { decideAfterSalesCommand, listAfterSalesCommand } from '#app/after-sales/commands';
import { cutoffAdminCommands } from '#app/cutoff/commands';
import { cutoffJob } from '#app/cutoff/jobs';
import { expireJob, refundsJob } from '#app/orders/commands';
import { overdueJob } from '#app/verify/commands';
import { retentionJob } from '#app/privacy/retention';
import { levelsJob } from '#app/wallet/levels';
import { customerWalletCommand } from '#app/wallet/commands';
import { notifyJob } from '#app/notify/commands';
import { settleJob } from '#app/settle/run';
import { adminOrderCommands } from '#app/admin-orders/commands';
import { auditCommand, auditStaffWrites } from '#app/audit/audit';
import { workspaceAdminCommands } from '#app/workspace/commands';
import { adminCommunitiesCommand } from '#app/delivery/communities';
import { supplierCommands } from '#app/supply/suppliers';
import { supplierQualityCommand } from '#app/supply/quality';
import { webhookCommands } from '#app/webhooks/commands';
import { apiKeyCommands } from '#app/api-keys/commands';
import { exportCommands } from '#app/exports/exports';
import { reconcileJob } from '#app/reconcile/reconcile';
import { categoryCommands } from '#app/catalog/categories';
import { uploadCommand } from '#app/catalog/uploads';
import { importCommand } from '#app/imports/import';
import { teamAdminCommands } from '#app/teams/commands';
import { couponAdminCommands } from '#app/coupons/commands';

/** The back office: catalogue, leaders, coupons, wave reports, dashboard, after-sales review, the merchant settings, and any job now. */
// Every staff write leaves one audit entry in its own transaction (shared/app/audit).
export const adminModule: FunctionModule = auditStaffWrites({
  name: 'admin',
  commands: [
    ...adminCatalogCommands,
    ...serviceAreaCommands,
    ...cutoffAdminCommands,
    listAfterSalesCommand,
    decideAfterSalesCommand,
    ...settingsCommands,
    ...staffAdminCommands,
    runJobCommand([cutoffJob, expireJob, overdueJob, notifyJob, settleJob, refundsJob, retentionJob, levelsJob, reconcileJob]),
    jobRunCommand,
    ...adminOrderCommands,
    auditCommand,
    ...workspaceAdminCommands,
    adminCommunitiesCommand, // the last mile's community settings page
    ...supplierCommands,
    supplierQualityCommand,
    // Integrations (issue 18): webhooks, API keys, exports.
    ...webhookCommands,
    ...apiKeyCommands,
    ...exportCommands,
    // Product content, uploads and imports (issue 18).
    ...categoryCommands,
    uploadCommand,
    importCommand,
    ...teamAdminCommands,
    ...couponAdminCommands,
    customerWalletCommand,
  ],
});
