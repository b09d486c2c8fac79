import { createCloudbaseMain } from '#wiring/cloudbase';
import { tencentSmsFactory } from '#wiring/sms';
import { notifyModule } from './module.ts';

/** CloudBase entry of the notify function: `wx.cloud.callFunction({ name: 'notify', data: { action, ... } })` and its timers; its drain sends the SMS fallback. */
export const main = createCloudbaseMain(notifyModule, { smsFactory: tencentSmsFactory });
