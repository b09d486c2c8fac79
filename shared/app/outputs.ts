import type { z } from 'zod/mini';
import type { Command } from '#platform/command';
import { authOutputs } from './auth/outputs.ts';
import { catalogOutputs } from './catalog/outputs.ts';
import { notifyOutputs } from './notify/outputs.ts';
import { orderOutputs } from './orders/outputs.ts';
import { settleOutputs } from './settle/outputs.ts';
import { verifyOutputs } from './verify/outputs.ts';
import { adminOrderOutputs } from './admin-orders/outputs.ts';
import { cutoffOutputs } from './cutoff/outputs.ts';
import { afterSalesOutputs } from './after-sales/outputs.ts';
import { adminOutputs } from './admin/outputs.ts';
import { workspaceOutputs } from './workspace/outputs.ts';
import { walletOutputs } from './wallet/outputs.ts';
import { shareOutputs } from './share/outputs.ts';
import { supplyOutputs } from './supply/outputs.ts';

/**
 * Output schemas by command name, per area (shared/app/<area>/outputs.ts). Read by the generator
 * (openapi.json, client/types.ts) and the tests that check responses; no function imports this
 * file, so the schemas stay out of the bundles. A command may also declare `output` itself.
 */
export const OUTPUTS: Record<string, z.ZodMiniType> = { ...authOutputs, ...catalogOutputs, ...orderOutputs, ...verifyOutputs, ...settleOutputs, ...notifyOutputs, ...adminOrderOutputs, ...cutoffOutputs, ...afterSalesOutputs, ...adminOutputs, ...walletOutputs, ...shareOutputs, ...supplyOutputs, ...workspaceOutputs };

/** The output schema of a command, if one is declared. */
export const outputOf = (c: Pick<Command<any, any, any>, 'name' | 'output'>): z.ZodMiniType | undefined => c.output ?? OUTPUTS[c.name];
