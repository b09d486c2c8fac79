import { createRequire } from 'node:module';

/**
 * The real CloudBase SDK modules, loaded as CommonJS exactly as @cloudbase/node-sdk and
 * wx-server-sdk load them, so the double hooks the one `Db` class they both build queries with.
 */
const require = createRequire(import.meta.url);
const databaseRequire = createRequire(require.resolve('@cloudbase/database'));

export const { Db } = require('@cloudbase/database') as { Db: { reqClass: unknown } };
export const { EJSON } = databaseRequire('bson') as {
  EJSON: { stringify(value: unknown, options?: { relaxed?: boolean }): string; parse(text: string, options?: { relaxed?: boolean }): any; serialize(value: unknown, options?: { relaxed?: boolean }): any; deserialize(value: unknown): any };
};

export interface NodeSdk {
  init(config: { env: string; secretId?: string; secretKey?: string }): { database(): any };
}
export interface WxServerSdk {
  init(config: { env: string }): void;
  database(config?: { env?: string }): any;
}

export const nodeSdk = () => require('@cloudbase/node-sdk') as NodeSdk;
export const wxServerSdk = () => require('wx-server-sdk') as WxServerSdk;
