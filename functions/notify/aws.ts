import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { tencentSmsFactory } from '#wiring/sms';
import { notifyModule } from './module.ts';

/** Lambda entry of the notify function (HTTP API routes and scheduled jobs); its drain sends the SMS fallback (Tencent Cloud SMS when configured). */
export const handler = createAwsHandler(notifyModule, awsDeps(process.env, { smsFactory: tencentSmsFactory }));
