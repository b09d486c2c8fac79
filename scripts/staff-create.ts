/**
 * `npm run staff:create -- --login L --name N --role owner [--role finance] [--openid O]`:
 * creates a staff member on any stage and prints its one-time password (the first owner's
 * bootstrap; afterwards owners manage staff over the API). Prints the password once, nothing is
 * logged elsewhere; change it with `PUT /admin/staff/{id}` or sign in and keep it.
 *
 * Where: without STAGE, the local stack (`npm start`'s DynamoDB Local, the same env the stack
 * reads: DYNAMO_PORT, scripts/lib/local-env.ts). With STAGE: PLATFORM=aws (default) writes the
 * stage's TABLE_NAME with the AWS credentials of the environment (DYNAMO_ENDPOINT for another
 * DynamoDB); PLATFORM=cloudbase writes the environment TCB_ENV_ID with TCB_SECRET_ID and
 * TCB_SECRET_KEY (@cloudbase/node-sdk).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createStaff } from '../shared/app/staff/records.ts';
import { STAFF_ROLES, type StaffRole } from '../shared/platform/command.ts';
import { createDocumentClient, createDynamoItemStore } from '../shared/adapters/dynamodb/item-store.ts';
import { createCloudbaseItemStore } from '../shared/adapters/cloudbase/item-store.ts';
import { createIds } from '../shared/adapters/crypto/ids.ts';
import { systemClock } from '../shared/ports/clock.ts';
import type { ItemStore } from '../shared/ports/item-store.ts';
import { localEnv } from './lib/local-env.ts';

const USAGE = 'usage: npm run staff:create -- --login L --name N --role owner [--role operations|finance|warehouse ...] [--openid O]';

function storeOf(env: Record<string, string | undefined>): { store: ItemStore; where: string } {
  if (env.PLATFORM === 'cloudbase') {
    const need = (k: string) => env[k] || (() => { throw new Error(`${k} is required for PLATFORM=cloudbase`); })();
    const tcb = createRequire(import.meta.url)('@cloudbase/node-sdk') as { init(c: { env: string; secretId: string; secretKey: string }): { database(): any } };
    const db = tcb.init({ env: need('TCB_ENV_ID'), secretId: need('TCB_SECRET_ID'), secretKey: need('TCB_SECRET_KEY') }).database();
    return { store: createCloudbaseItemStore({ db }), where: `CloudBase environment ${env.TCB_ENV_ID}` };
  }
  if (!env.TABLE_NAME) throw new Error('TABLE_NAME is required');
  const local = !!env.DYNAMO_ENDPOINT;
  const client = createDocumentClient(local ? { endpoint: env.DYNAMO_ENDPOINT, region: 'localhost', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
  return { store: createDynamoItemStore({ tableName: env.TABLE_NAME, client }), where: `table ${env.TABLE_NAME}${local ? ` at ${env.DYNAMO_ENDPOINT}` : ''}` };
}

/** Creates the member; answers it with the one-time password. Throws a readable Error on bad arguments. */
export async function createStaffFromArgs(argv: string[], env: Record<string, string | undefined>) {
  const { values } = parseArgs({
    args: argv,
    options: { login: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', multiple: true }, openid: { type: 'string' } },
    strict: true,
  });
  const roles = values.role ?? [];
  if (!values.login || !values.name || roles.length === 0) throw new Error(USAGE);
  const unknown = roles.filter((r) => !(STAFF_ROLES as readonly string[]).includes(r));
  if (unknown.length) throw new Error(`unknown role ${unknown.join(', ')}: one of ${STAFF_ROLES.join(', ')}`);
  if (!/^[A-Za-z0-9._-]{3,32}$/.test(values.login)) throw new Error('--login: 3–32 letters, digits, dot, dash or underscore');
  const source = env.STAGE ? env : { ...localEnv(), ...env };
  const { store, where } = storeOf(source);
  const { staff, password } = await createStaff(
    { store, clock: systemClock, ids: createIds(systemClock) },
    { login: values.login, name: values.name, roles: roles as StaffRole[], ...(values.openid ? { openid: values.openid } : {}) },
    'staff:create',
  );
  return { staff, password: password!, where };
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { staff, password, where } = await createStaffFromArgs(argv, env);
  console.log(`staff:create: ${staff.login} (${staff.roles.join(', ')}) created in ${where}, id ${staff.id}`);
  console.log(`one-time password: ${password}`);
  console.log('sign in with POST /auth/staff-login { login, password }; it is shown only now.');
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`staff:create: ${e.message}`);
      process.exit(2);
    },
  );
}
