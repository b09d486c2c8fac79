import type { FunctionModule } from '#app/command';
import { authCommands } from '#app/auth/commands';

export const authModule: FunctionModule = { name: 'auth', commands: authCommands };
