/**
 * `npm run cloudbase:init [-- --dry-run]`: creates the item store's collections and their
 * indexes in a CloudBase environment through @cloudbase/manager-node (scripts/lib/
 * cloudbase-collections.ts says which), and closes every collection to clients (permission
 * ADMINONLY: only the cloud functions read and write). Safe to run again: only what is missing
 * or different is changed.
 * Needs TCB_ENV_ID, TCB_SECRET_ID and TCB_SECRET_KEY (an API key of the Tencent Cloud account);
 * `--dry-run` prints the plan without credentials or network.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CLOUDBASE_COLLECTIONS, ensureCloudbaseCollections, managerAcl, type CollectionAdmin, type CollectionIndex } from './lib/cloudbase-collections.ts';

const REQUIRED = ['TCB_ENV_ID', 'TCB_SECRET_ID', 'TCB_SECRET_KEY'] as const;

const describeIndex = (i: CollectionIndex) =>
  `${i.IndexName}(${i.MgoKeySchema.MgoIndexKeys.map((k) => k.Name).join(', ')}${i.MgoKeySchema.MgoIsUnique ? ', unique' : ''})`;

/** Reports each step of `ensureCloudbaseCollections` on `print` while passing it on to `admin`. */
export function reportingAdmin(admin: CollectionAdmin, print: (line: string) => void): CollectionAdmin {
  return {
    async createCollectionIfNotExists(name) {
      const r = (await admin.createCollectionIfNotExists(name)) as { IsCreated?: boolean } | undefined;
      print(r?.IsCreated === false ? `collection ${name}: exists` : `collection ${name}: created`);
      return r;
    },
    checkIndexExists: (name, indexName) => admin.checkIndexExists(name, indexName),
    async updateCollection(name, info) {
      const r = await admin.updateCollection(name, info);
      print(`collection ${name}: created indexes ${(info.CreateIndexes ?? []).map(describeIndex).join(', ')}`);
      return r;
    },
    aclOf: (name) => admin.aclOf(name),
    async setAcl(name, aclTag) {
      const r = await admin.setAcl(name, aclTag);
      print(`collection ${name}: permission set to ${aclTag}`);
      return r;
    },
  };
}

/** A plan printer: answers "nothing exists yet", so it lists everything a first run creates. */
export function dryRunAdmin(print: (line: string) => void): CollectionAdmin {
  return {
    async createCollectionIfNotExists(name) {
      print(`would create collection ${name} (if missing)`);
      return { IsCreated: true };
    },
    checkIndexExists: async () => ({ Exists: false }),
    async updateCollection(name, info) {
      print(`would create indexes on ${name} (those missing): ${(info.CreateIndexes ?? []).map(describeIndex).join(', ')}`);
      return {};
    },
    aclOf: async () => undefined,
    async setAcl(name, aclTag) {
      print(`would set the permission of ${name} to ${aclTag} (only the cloud functions read and write; no client access)`);
      return {};
    },
  };
}

async function cli(): Promise<number> {
  let dryRun: boolean;
  try {
    dryRun = parseArgs({ args: process.argv.slice(2), options: { 'dry-run': { type: 'boolean' } } }).values['dry-run'] === true;
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: npm run cloudbase:init [-- --dry-run]`);
    return 2;
  }
  const print = (line: string) => console.log(line);
  if (dryRun) {
    await ensureCloudbaseCollections(dryRunAdmin(print), CLOUDBASE_COLLECTIONS);
    print(`dry run: ${CLOUDBASE_COLLECTIONS.length} collections, nothing was sent`);
    return 0;
  }
  const missing = REQUIRED.filter((name) => !process.env[name]);
  if (missing.length) {
    console.error(`set ${REQUIRED.join(', ')} (missing: ${missing.join(', ')}), or pass --dry-run to see the plan`);
    return 1;
  }
  const { default: CloudBase } = await import('@cloudbase/manager-node');
  const manager = new CloudBase({ envId: process.env.TCB_ENV_ID!, secretId: process.env.TCB_SECRET_ID!, secretKey: process.env.TCB_SECRET_KEY! });
  const admin: CollectionAdmin = {
    createCollectionIfNotExists: (name) => manager.database.createCollectionIfNotExists(name),
    checkIndexExists: (name, indexName) => manager.database.checkIndexExists(name, indexName),
    updateCollection: (name, info) => manager.database.updateCollection(name, info as never),
    ...managerAcl(manager as never, process.env.TCB_ENV_ID!),
  };
  await ensureCloudbaseCollections(reportingAdmin(admin, print), CLOUDBASE_COLLECTIONS);
  print(`environment ${process.env.TCB_ENV_ID}: ${CLOUDBASE_COLLECTIONS.length} collections with their indexes are in place, each ADMINONLY`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  cli().then(
    (code) => process.exit(code),
    (e) => {
      // Manager errors carry the platform's code and message, never the credentials.
      console.error(`cloudbase:init failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
