import { createCloudbaseMain } from '#wiring/cloudbase';
import { verifyModule } from './module.ts';

/** CloudBase entry of the verify function: `wx.cloud.callFunction({ name: 'verify', data: { action, ... } })` and its timers. */
export const main = createCloudbaseMain(verifyModule);
