import { createCloudbaseMain } from '#wiring/cloudbase';
import { cutoffModule } from './module.ts';

/** CloudBase entry of the cutoff function: `wx.cloud.callFunction({ name: 'cutoff', data: { action, ... } })` and its timers. */
export const main = createCloudbaseMain(cutoffModule);
