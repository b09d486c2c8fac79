import type { FunctionModule } from '#app/command';
import { adminModule } from './admin/module.ts';
import { authModule } from './auth/module.ts';
import { cutoffModule } from './cutoff/module.ts';
import { devModule } from './dev/module.ts';
import { notifyModule } from './notify/module.ts';
import { orderModule } from './order/module.ts';
import { settleModule } from './settle/module.ts';
import { verifyModule } from './verify/module.ts';

/**
 * Every deployed function and its commands: the one source of the contract. serverless.yml's
 * functions, the CloudBase configs and the route list of the README are generated from it
 * (`npm run gen`), and a test fails when they drift.
 */
export const FUNCTIONS: FunctionModule[] = [authModule, orderModule, cutoffModule, verifyModule, settleModule, notifyModule, adminModule, devModule];

/** Functions that exist only on the local stage. */
export const LOCAL_ONLY = new Set(['dev']);

/** Deployment sizing per function (Lambda and CloudBase). */
export const SIZING: Record<string, { memory: number; timeout: number }> = {
  auth: { memory: 256, timeout: 28 },
  order: { memory: 512, timeout: 28 },
  // The cutoff heartbeat spends at most 4 minutes (close-waves.ts) and leaves the rest to the next
  // beat; its lease lasts this long, so a killed run is resumed within about two beats.
  cutoff: { memory: 1024, timeout: 300 },
  verify: { memory: 512, timeout: 300 },
  settle: { memory: 1024, timeout: 900 },
  notify: { memory: 512, timeout: 60 },
  admin: { memory: 512, timeout: 28 },
  dev: { memory: 256, timeout: 30 },
};
