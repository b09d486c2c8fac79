import { createCloudbaseMain } from '#wiring/cloudbase';
import { authModule } from './module.ts';

/** CloudBase entry of the auth function: `wx.cloud.callFunction({ name: 'auth', data: { action, ... } })` and its timers. */
export const main = createCloudbaseMain(authModule);
