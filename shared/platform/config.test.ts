import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMITTED_LOCAL_SECRETS, ConfigError, LOCAL_SECRETS, parseConfig } from './config.ts';

const strong = () => randomBytes(32).toString('base64');
const prod = (over: Record<string, string | undefined> = {}) => ({
  STAGE: 'prod',
  AUTH_MODE: 'wechat',
  TABLE_NAME: 'groupbuy-prod',
  WX_APPID: 'wx123',
  WX_SECRET: randomBytes(16).toString('hex'),
  SESSION_SECRET: strong(),
  CONTACT_KEY: strong(),
  ...over,
});
/** The message of the refusal, checked to name the setting and never print the value. */
function refusal(env: Record<string, string | undefined>, name: string, value?: string): string {
  let error: unknown;
  try {
    parseConfig(env);
  } catch (e) {
    error = e;
  }
  expect(error, name).toBeInstanceOf(ConfigError);
  const message = (error as Error).message;
  expect(message).toContain(name);
  if (value) expect(message).not.toContain(value);
  return message;
}

describe('configuration outside the local stage', () => {
  it('takes the fan-out sizing as positive whole numbers (empty: the defaults) and refuses anything else naming it', () => {
    expect(parseConfig(prod({ FANOUT_CUTOFF_BATCH: '25', FANOUT_MAX_PARTS: '8', FANOUT_SETTLE_LEADERS: '' }))).toMatchObject({ FANOUT_CUTOFF_BATCH: 25, FANOUT_MAX_PARTS: 8 });
    expect(parseConfig(prod()).FANOUT_SETTLE_LEADERS).toBeUndefined();
    for (const bad of ['0', '-3', '2.5', 'null', 'many']) refusal(prod({ FANOUT_NOTIFY_BACKLOG: bad }), 'FANOUT_NOTIFY_BACKLOG');
  });

  it('accepts 32 random bytes as session secret and contact key', () => {
    expect(parseConfig(prod()).STAGE).toBe('prod');
    expect(parseConfig(prod({ SESSION_SECRET: randomBytes(32).toString('hex') })).STAGE).toBe('prod');
  });

  it('refuses AUTH_MODE=dev', () => {
    refusal(prod({ AUTH_MODE: 'dev' }), 'AUTH_MODE');
  });

  it('refuses each committed local secret, naming the setting and not the value', () => {
    refusal(prod({ SESSION_SECRET: LOCAL_SECRETS.SESSION_SECRET }), 'SESSION_SECRET', LOCAL_SECRETS.SESSION_SECRET);
    refusal(prod({ CONTACT_KEY: LOCAL_SECRETS.CONTACT_KEY }), 'CONTACT_KEY', LOCAL_SECRETS.CONTACT_KEY);
    for (const value of COMMITTED_LOCAL_SECRETS) refusal(prod({ WX_SECRET: value }), 'WX_SECRET', value);
  });

  it('refuses a session secret shorter than 32 bytes or of low entropy', () => {
    for (const weak of [randomBytes(16).toString('hex').slice(0, 31), 'a'.repeat(64), 'ab'.repeat(32), '0123456789abcdef'.repeat(4), 'correct horse battery staple 123'])
      refusal(prod({ SESSION_SECRET: weak }), 'SESSION_SECRET', weak);
  });

  it('refuses a contact key that is not 32 random bytes', () => {
    const text = Buffer.from('a contact key typed by a human!!').toString('base64');
    const zeros = Buffer.alloc(32).toString('base64');
    const short = randomBytes(31).toString('base64');
    for (const weak of [text, zeros, short]) refusal(prod({ CONTACT_KEY: weak }), 'CONTACT_KEY', weak);
  });

  it('treats an empty variable as absent (a template renders unset settings as "")', () => {
    const c = parseConfig(prod({ DYNAMO_ENDPOINT: '', MERCHANT_SETTINGS: '', STAFF_OPENIDS: '', PUBLIC_BASE_URL: '' }));
    expect(c.DYNAMO_ENDPOINT).toBeUndefined();
    expect(c.STAFF_OPENIDS).toEqual([]);
    refusal(prod({ WX_APPID: '' }), 'WX_APPID');
  });
});

describe('configuration of the local stage', () => {
  it('keeps the committed secrets and dev auth, as serverless.yml renders them', () => {
    const yml = readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8');
    // The one list of committed secrets is the one serverless.yml's local params hold.
    for (const value of COMMITTED_LOCAL_SECRETS) expect(yml).toContain(value);
    const c = parseConfig({ STAGE: 'local', AUTH_MODE: 'dev', TABLE_NAME: 't', DYNAMO_ENDPOINT: 'http://127.0.0.1:8000', ...LOCAL_SECRETS });
    expect(c.AUTH_MODE).toBe('dev');
  });
});
