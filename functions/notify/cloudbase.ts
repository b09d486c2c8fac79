import { createCloudbaseMain } from '#wiring/cloudbase';
import { notifyModule } from './module.ts';

/** CloudBase entry of the notify function: `wx.cloud.callFunction({ name: 'notify', data: { action, ... } })` and its timers. */
export const main = createCloudbaseMain(notifyModule);
