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
import { notifyJob } from '#app/notify/commands';
import { settleJob } from '#app/settle/run';
import { adminOrderCommands } from '#app/admin-orders/commands';
import { auditCommand, auditStaffWrites } from '#app/audit/audit';
import { workspaceAdminCommands } from '#app/workspace/commands';
import { adminCommunitiesCommand } from '#app/delivery/communities';

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
    runJobCommand([cutoffJob, expireJob, overdueJob, notifyJob, settleJob, refundsJob, retentionJob, levelsJob]),
    jobRunCommand,
    ...adminOrderCommands,
    auditCommand,
    ...workspaceAdminCommands,
    adminCommunitiesCommand, // the last mile's community settings page
  ],
});
