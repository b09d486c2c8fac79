import type { JobLauncher } from '#ports/job-launcher';
import { startEvent, type JobSigner } from '#adapters/crypto/job-signature';

export interface LambdaLauncherOptions {
  /** The deployed name of a function: serverless names them `<service>-<stage>-<fn>`. */
  functionName(fn: string): string;
  /** serverless-offline's Lambda endpoint on the local stack (its lambdaPort); the SDK's default otherwise. */
  endpoint?: string;
  signer: JobSigner;
}

/**
 * Starts a job run with an asynchronous Lambda invoke (InvocationType `Event`): Lambda queues
 * the event `{ job, date?, runId, sig }` for the job's function and answers 202 at once; the
 * function's scheduled-event path runs it. `@aws-sdk/client-lambda` is loaded on first use.
 */
export function createLambdaLauncher(options: LambdaLauncherOptions): JobLauncher {
  let client: Promise<{ send(c: unknown): Promise<{ StatusCode?: number; FunctionError?: string }> }> | undefined;
  let Invoke: (new (input: unknown) => unknown) | undefined;
  const lambda = () =>
    (client ??= import('@aws-sdk/client-lambda').then((sdk) => {
      Invoke = sdk.InvokeCommand as never;
      return new sdk.LambdaClient(
        options.endpoint
          ? { endpoint: options.endpoint, region: 'localhost', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 2 }
          : { maxAttempts: 3 },
      ) as never;
    }));
  return {
    async launch(fn, start) {
      const c = await lambda();
      const out = await c.send(
        new Invoke!({ FunctionName: options.functionName(fn), InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(startEvent(options.signer, start))) }),
      );
      if (out.StatusCode !== 202) throw new Error(`lambda invoke of ${fn} answered ${out.StatusCode}`);
    },
    verify: (start, sig) => options.signer.verify(start, sig),
  };
}
