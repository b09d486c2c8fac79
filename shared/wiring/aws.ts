import type { Deps } from '#app/deps';
import { createDocumentClient, createDynamoItemStore } from '#adapters/dynamodb/item-store';
import { resolveSecretParameters } from '#adapters/aws/secrets';
import { createLambdaLauncher } from '#adapters/aws/lambda-launcher';
import { createS3Uploads } from '#adapters/aws/s3-uploads';
import type { JobSigner } from '#adapters/crypto/job-signature';
import { parseConfig, SECRET_SETTINGS } from '#platform/config';
import { assembleDeps, withFreshSettings, type RuntimeParts } from './shared.ts';

/**
 * AWS and the local stack: DynamoDB (DYNAMO_ENDPOINT points at DynamoDB Local). Outside the
 * local stage the secrets are read from SSM Parameter Store at cold start (their names in
 * `<SECRET>_PARAM`, SSM_ENDPOINT overrides the endpoint) and kept for the process.
 */
export function awsDeps(env: Record<string, string | undefined> = process.env, options: Pick<RuntimeParts, 'smsFactory'> = {}): () => Promise<Deps> {
  let deps: Promise<Deps> | undefined;
  return withFreshSettings(() =>
    (deps ??= (async () => {
      const withSecrets = await resolveSecretParameters(env, SECRET_SETTINGS, { endpoint: env.SSM_ENDPOINT || undefined });
      const config = parseConfig(withSecrets);
      const local = config.DYNAMO_ENDPOINT !== undefined;
      const client = createDocumentClient(
        local
          ? { endpoint: config.DYNAMO_ENDPOINT, region: 'localhost', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
          : {},
      );
      const store = createDynamoItemStore({ tableName: config.TABLE_NAME!, client });
      // Serverless names each function `<service>-<stage>-<fn>` (serverless.yml `service: groupbuy`).
      const jobLauncher = (signer: JobSigner) =>
        createLambdaLauncher({ functionName: (fn) => `groupbuy-${config.STAGE}-${fn}`, ...(config.LAMBDA_ENDPOINT ? { endpoint: config.LAMBDA_ENDPOINT } : {}), signer });
      const uploads: RuntimeParts['uploads'] = (c, clock) =>
        c.UPLOADS_BUCKET ? createS3Uploads({ bucket: c.UPLOADS_BUCKET, region: env.AWS_REGION, publicBaseUrl: c.UPLOADS_PUBLIC_BASE_URL, now: () => clock.now() }) : undefined;
      return assembleDeps({ config, store, jobLauncher, uploads, ...options });
    })().catch((e) => {
      deps = undefined;
      throw e;
    })),
  );
}
