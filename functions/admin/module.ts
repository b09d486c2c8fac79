import type { FunctionModule } from '#platform/command';
import { adminCatalogCommands } from '#app/admin/commands';

export const adminModule: FunctionModule = { name: 'admin', commands: [...adminCatalogCommands] };
