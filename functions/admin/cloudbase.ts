import { createCloudbaseMain } from '#wiring/cloudbase';
import { adminModule } from './module.ts';

/** CloudBase entry of the admin function: `wx.cloud.callFunction({ name: 'admin', data: { action, ... } })` and its timers. */
export const main = createCloudbaseMain(adminModule);
