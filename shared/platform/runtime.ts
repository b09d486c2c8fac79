import { join } from 'node:path';
import type { Deps } from '#app/deps';
import { parseMerchantSettings } from '#app/settings';
import { systemClock, type Clock } from '#ports/clock';
import type { ItemStore } from '#ports/item-store';
import { createDocumentClient, createDynamoItemStore } from '#adapters/dynamodb/item-store';
import { createSessionTokens } from '#adapters/crypto/session-tokens';
import { createContactCipher } from '#adapters/crypto/contact-cipher';
import { createIds } from '#adapters/crypto/ids';
import { createCode2Session } from '#adapters/wechat/code2session';
import { createFileClock } from '#adapters/local/dev-clock';
import { parseConfig, type Config } from './config.ts';

export interface RuntimeParts {
  config: Config;
  store: ItemStore;
  clock?: Clock;
}

/**
 * Assembles the ports from configuration, once per cold start. The store is given by the
 * platform (DynamoDB on AWS and locally, the CloudBase database on CloudBase).
 */
export function assembleDeps({ config, store, clock: givenClock }: RuntimeParts): Deps {
  const devMode = config.AUTH_MODE === 'dev';
  const fileClock = devMode && config.DEV_CLOCK_FILE ? createFileClock(config.DEV_CLOCK_FILE) : undefined;
  const clock = givenClock ?? fileClock ?? systemClock;
  const settings = parseMerchantSettings(config.MERCHANT_SETTINGS, { cutoffTime: config.CUTOFF_TIME, arrivalTime: config.ARRIVAL_TIME });
  return {
    store,
    clock,
    ids: createIds(clock),
    settings,
    sessions: createSessionTokens({ secret: config.SESSION_SECRET, ttlSeconds: config.SESSION_TTL_SECONDS, clock }),
    wechatLogin: createCode2Session({ appId: config.WX_APPID ?? 'local', secret: config.WX_SECRET ?? 'local', baseUrl: config.WX_API_BASE }),
    contacts: createContactCipher({ [config.CONTACT_KEY_ID]: config.CONTACT_KEY }, config.CONTACT_KEY_ID),
    staffOpenids: config.STAFF_OPENIDS,
    warehouse: { lat: config.WAREHOUSE_LAT, lng: config.WAREHOUSE_LNG },
    devMode,
    ...(devMode && fileClock ? { devClock: fileClock } : {}),
  };
}

/** AWS and the local stack: DynamoDB (DYNAMO_ENDPOINT points at DynamoDB Local). */
export function awsDeps(env: Record<string, string | undefined> = process.env): () => Promise<Deps> {
  let deps: Promise<Deps> | undefined;
  return () =>
    (deps ??= (async () => {
      const config = parseConfig(env);
      const local = config.DYNAMO_ENDPOINT !== undefined;
      const client = createDocumentClient(
        local
          ? { endpoint: config.DYNAMO_ENDPOINT, region: 'localhost', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
          : {},
      );
      const store = createDynamoItemStore({ tableName: config.TABLE_NAME!, client });
      return assembleDeps({ config, store });
    })().catch((e) => {
      deps = undefined;
      throw e;
    }));
}

export const localPath = (config: Config, ...parts: string[]) => join(config.LOCAL_DIR, ...parts);
