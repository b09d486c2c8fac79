import { resolve } from 'node:path';

/** The local stage's configuration: the same values serverless.yml gives the `local` stage. */
export function localEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const localDir = resolve(process.env.LOCAL_DIR ?? '.local');
  return {
    STAGE: 'local',
    PLATFORM: 'aws',
    AUTH_MODE: 'dev',
    TABLE_NAME: 'groupbuy-local',
    DYNAMO_ENDPOINT: `http://127.0.0.1:${process.env.DYNAMO_PORT ?? '8000'}`,
    SESSION_SECRET: 'local-session-secret-not-for-production-0001',
    CONTACT_KEY: 'bG9jYWwtY29udGFjdC1rZXktbm90LWZvci1wcm9kISE=',
    STAFF_OPENIDS: 'demo-staff',
    LOCAL_DIR: localDir,
    DEV_CLOCK_FILE: `${localDir}/clock.json`,
    ...overrides,
  };
}
