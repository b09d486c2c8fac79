/**
 * `npm run contacts:rekey [-- --dry-run]`: re-seals every sealed contact value (order contacts,
 * leader phones) under the current contact key in the current record-bound format, so a key can
 * be retired after rotation (shared/app/contacts/rekey.ts). Idempotent: a second run rewrites
 * nothing. Prints counts, never a value.
 *
 * Configuration comes from the environment exactly as the functions read it (STAGE, TABLE_NAME,
 * DYNAMO_ENDPOINT for DynamoDB Local, CONTACT_KEYS / CONTACT_KEY, CONTACT_KEY_ID, SESSION_SECRET,
 * and on AWS the secrets' `<NAME>_PARAM` names in SSM). Without STAGE it runs against the local
 * stack (`npm start`'s DynamoDB Local). Rotation: add the new key to CONTACT_KEYS, point
 * CONTACT_KEY_ID at it, deploy, run this, then remove the old key.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { rekeyContacts } from '../shared/app/contacts/rekey.ts';
import { createDocumentClient, createDynamoItemStore } from '../shared/adapters/dynamodb/item-store.ts';
import { createContactCipher } from '../shared/adapters/crypto/contact-cipher.ts';
import { deriveSecret } from '../shared/adapters/crypto/derive.ts';
import { resolveSecretParameters } from '../shared/adapters/aws/secrets.ts';
import { contactKeysOf, parseConfig, SECRET_SETTINGS } from '../shared/platform/config.ts';
import { localEnv } from './lib/local-env.ts';

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean' } }, strict: true });
  const source = env.STAGE ? env : { ...localEnv(), ...env };
  const config = parseConfig(await resolveSecretParameters(source, SECRET_SETTINGS, { endpoint: source.SSM_ENDPOINT || undefined }));
  if (config.PLATFORM !== 'aws') throw new Error('contacts:rekey runs against DynamoDB (PLATFORM=aws); on CloudBase call the same use case from a function');
  const local = config.DYNAMO_ENDPOINT !== undefined;
  const client = createDocumentClient(
    local ? { endpoint: config.DYNAMO_ENDPOINT, region: 'localhost', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {},
  );
  const store = createDynamoItemStore({ tableName: config.TABLE_NAME!, client });
  const contacts = createContactCipher({ ...contactKeysOf(config), macKey: deriveSecret(config.SESSION_SECRET, 'groupbuy contact mac') });
  const report = await rekeyContacts({ store, contacts }, { dryRun: values['dry-run'] ?? false });
  const line = (name: string, c: (typeof report)['orderContacts']) =>
    `${name}: ${c.seen} sealed, ${c.rewritten} ${values['dry-run'] ? 'to rewrite' : 'rewritten'}, ${c.current} already current, ${c.unreadable} unreadable, ${c.raced} changed meanwhile`;
  console.log(`contacts:rekey (table ${config.TABLE_NAME}, current key ${contactKeysOf(config).currentKeyId}${values['dry-run'] ? ', dry run' : ''})`);
  console.log(line('order contacts', report.orderContacts));
  console.log(line('leader phones', report.leaderPhones));
  console.log(line('supplier contacts', report.supplierContacts));
  console.log(line('addresses', report.addresses));
  const unreadable = report.orderContacts.unreadable + report.leaderPhones.unreadable + report.supplierContacts.unreadable + report.addresses.unreadable;
  return unreadable > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`contacts:rekey: ${e.message}`);
      process.exit(2);
    },
  );
}
