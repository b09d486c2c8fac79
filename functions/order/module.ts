import type { FunctionModule } from '#platform/command';
import { catalogCommand, communitiesCommand } from '#app/catalog/commands';

export const orderModule: FunctionModule = { name: 'order', commands: [communitiesCommand, catalogCommand], jobs: [] };
