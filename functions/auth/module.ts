import type { FunctionModule } from '#platform/command';
import { authCommands } from '#app/auth/commands';

export const authModule: FunctionModule = { name: 'auth', commands: authCommands };
