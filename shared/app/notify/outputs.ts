import * as z from 'zod/mini';

/** Output schemas of the subscription commands (documentation and tests only: shared/app/outputs.ts). */
export const Templates = z.array(z.object({ key: z.string(), templateId: z.string(), audience: z.enum(['customer', 'leader', 'staff']) }));

/** The caller's remaining one-time sends per template id of the request. */
export const Subscribed = z.object({ quota: z.record(z.string(), z.int()) });

export const notifyOutputs = {
  'notify.templates': Templates,
  'notify.subscribe': Subscribed,
};
