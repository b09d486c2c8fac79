import * as z from 'zod/mini';
import { MerchantSettingsSchema } from '../settings.ts';

/** Output schemas of the settings and job-run commands (documentation and tests only: shared/app/outputs.ts). */

/** `{ version, ...settings }`: the settings document as PUT takes it. */
export const SettingsOut = z.extend(MerchantSettingsSchema, { version: z.int().check(z.minimum(1)) });

export const SettingsHistoryOut = z.array(
  z.object({
    version: z.int().check(z.minimum(1)),
    by: z.string(),
    at: z.string(),
    changes: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
  }),
);

export const JobRunOut = z.object({
  runId: z.string(),
  job: z.string(),
  status: z.enum(['RUNNING', 'DONE', 'FAILED']),
  startedAt: z.string(),
  finishedAt: z.optional(z.string()),
  date: z.optional(z.string()),
  progress: z.optional(z.unknown()),
  /** What the job answered (DONE only); its shape is the job's. */
  result: z.optional(z.unknown()),
  error: z.optional(z.object({ code: z.string(), message: z.optional(z.string()) })),
});

export const adminOutputs = {
  'admin.settings': SettingsOut,
  'admin.updateSettings': SettingsOut,
  'admin.settingsHistory': SettingsHistoryOut,
  'admin.jobRun': JobRunOut,
  'admin.runJob': z.object({ runId: z.string() }),
};
