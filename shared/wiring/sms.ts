import type { SmsSender } from '#ports/sms';
import { createTencentSms } from '#adapters/tencent/sms';
import { smsConfigOf, type Config } from '#platform/config';

/**
 * Tencent Cloud SMS from the configuration (all five TENCENT_SMS_* settings), or none. Imported
 * only by the notify function's entries (functions/notify/{aws,cloudbase}.ts): the official SDK
 * brings node-fetch and friends (~550 KB minified), which no other function needs.
 */
export const tencentSmsFactory = (config: Config): SmsSender | undefined => {
  const c = smsConfigOf(config);
  return c ? createTencentSms(c) : undefined;
};
