/**
 * Secrets from SSM Parameter Store (SecureString), resolved once per cold start: for each
 * secret setting NAME whose parameter name is given as `NAME_PARAM`, one GetParameters call
 * (WithDecryption) fetches the values, which are merged into the configuration input. The
 * function's environment (and so the CloudFormation template) carries only parameter names.
 * `@aws-sdk/client-ssm` is loaded only when a parameter is named (the Lambda runtime ships it).
 */
export interface SecretParameterOptions {
  /** SSM endpoint override (tests point it at a local stand-in); the SDK's default otherwise. */
  endpoint?: string;
  /** The SDK's default region (Lambda's AWS_REGION) otherwise. */
  region?: string;
}

/** The parameter name each secret is read from: `SESSION_SECRET_PARAM=/groupbuy/prod/session-secret`. */
export const paramVariable = (name: string) => `${name}_PARAM`;

/** GetParameters takes at most 10 names a call. */
const BATCH = 10;

export async function resolveSecretParameters(
  env: Record<string, string | undefined>,
  secretNames: readonly string[],
  options: SecretParameterOptions = {},
): Promise<Record<string, string | undefined>> {
  const wanted = secretNames.flatMap((name) => {
    const parameter = env[paramVariable(name)];
    return parameter ? [{ name, parameter }] : [];
  });
  if (wanted.length === 0) return env;
  for (const { name } of wanted)
    if (env[name]) throw new Error(`bad configuration: ${name} and ${paramVariable(name)} are both set; secrets come from the parameter store only`);
  const { SSMClient, GetParametersCommand } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: 3,
  });
  const values = new Map<string, string>();
  try {
    const names = [...new Set(wanted.map((w) => w.parameter))];
    for (let i = 0; i < names.length; i += BATCH) {
      const out = await client.send(new GetParametersCommand({ Names: names.slice(i, i + BATCH), WithDecryption: true }));
      for (const p of out.Parameters ?? []) if (p.Name && p.Value !== undefined) values.set(p.Name, p.Value);
    }
  } catch (e) {
    // The SDK's message names the operation and the cause, never a parameter's value.
    throw new Error(`bad configuration: SSM GetParameters failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  } finally {
    client.destroy();
  }
  const missing = wanted.filter((w) => !values.has(w.parameter));
  if (missing.length) throw new Error(`bad configuration: ${missing.map((m) => `${m.name} (SSM parameter ${m.parameter} not found)`).join(', ')}`);
  return { ...env, ...Object.fromEntries(wanted.map((w) => [w.name, values.get(w.parameter)!])) };
}
