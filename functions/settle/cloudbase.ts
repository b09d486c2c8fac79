import { createCloudbaseMain } from '#wiring/cloudbase';
import { settleModule } from './module.ts';

/** CloudBase entry of the settle function: `wx.cloud.callFunction({ name: 'settle', data: { action, ... } })` and its timers. */
export const main = createCloudbaseMain(settleModule);
