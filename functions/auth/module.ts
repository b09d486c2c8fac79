import type { FunctionModule } from '#app/command';
import { authCommands } from '#app/auth/commands';
import { withJobRunner } from '#app/jobs/runner';
import { privacyCommands } from '#app/privacy/commands';
import { retentionJob } from '#app/privacy/retention';

/** Sign-in, the caller's profile and personal-information rights (SMS opt-out, export, erasure); the contact retention job (`retention`). */
export const authModule: FunctionModule = withJobRunner({ name: 'auth', commands: [...authCommands, ...privacyCommands], jobs: [retentionJob] }, 28);
