import { resolve } from 'node:path';
import { LOCAL_SECRETS } from '../../shared/platform/config.ts';

/** The local stage's configuration: the same values serverless.yml gives the `local` stage. */
export function localEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const localDir = resolve(process.env.LOCAL_DIR ?? '.local');
  return {
    STAGE: 'local',
    PLATFORM: 'aws',
    AUTH_MODE: 'dev',
    TABLE_NAME: 'groupbuy-local',
    DYNAMO_ENDPOINT: `http://127.0.0.1:${process.env.DYNAMO_PORT ?? '8000'}`,
    SESSION_SECRET: LOCAL_SECRETS.SESSION_SECRET,
    CONTACT_KEY: LOCAL_SECRETS.CONTACT_KEY,
    STAFF_OPENIDS: 'demo-staff',
    LOCAL_DIR: localDir,
    DEV_CLOCK_FILE: `${localDir}/clock.json`,
    // serverless-offline's Lambda invoke endpoint: job runs started by staff are asynchronous invokes.
    LAMBDA_ENDPOINT: `http://127.0.0.1:${process.env.LAMBDA_PORT ?? '3002'}`,
    // The stack's own URL (sandbox notifications, the local uploads' presigned form and public URLs).
    LOCAL_BASE_URL: `http://localhost:${process.env.PORT ?? '3000'}`,
    ...overrides,
  };
}
