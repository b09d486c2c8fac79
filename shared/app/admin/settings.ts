import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import type { Deps } from '../deps.ts';
import { loadSettings, MerchantSettingsSchema, saveSettings, settingsKeys, StaleSettings, type MerchantSettings } from '../settings.ts';

/**
 * The merchant settings document (API.md "Back office: settings"): one versioned document in
 * the store, validated by the schema that parses MERCHANT_SETTINGS (which only seeds version 1;
 * the first PUT stores the seed as version 1 and the new document as version 2).
 *
 * Roles: staff for now. TODO(issue 14): `owner` once staff roles exist.
 */

/** History records answered, newest first. */
export const SETTINGS_HISTORY_LIMIT = 100;

const view = (version: number, settings: MerchantSettings) => ({ version, ...settings });

/** `GET /admin/settings` → `{ version, ...settings }`, read from the store (not the instance's cache). */
export const settingsCommand = defineCommand({
  name: 'admin.settings',
  roles: ['owner'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/settings' },
  async run({ deps }) {
    const current = await loadSettings(deps.store, deps.settingsCache.seed);
    return view(current.version, current.settings);
  },
});

/**
 * `PUT /admin/settings` with the whole document and the `version` it was read at → the new
 * version. Validation failures name the field (400); a document changed since (stale version)
 * → INVALID_STATE (409). The write is conditional on the version, so two editors cannot both
 * win. This instance serves the new settings at once; the others within 60 s.
 */
export const updateSettingsCommand = defineCommand({
  name: 'admin.updateSettings',
  roles: ['owner'],
  input: z.extend(MerchantSettingsSchema, { version: z.int().check(z.minimum(1)) }),
  http: { method: 'PUT', path: '/admin/settings' },
  async run({ deps, caller }, input) {
    const { version: readAt, ...next } = input;
    const current = await loadSettings(deps.store, deps.settingsCache.seed);
    const stale = () => new AppError('INVALID_STATE', `the settings were changed since version ${readAt}; read them again`, { version: readAt, currentVersion: current.version });
    if (readAt !== current.version) throw stale();
    const by = caller.kind === 'user' ? caller.userId : caller.kind;
    try {
      const saved = await saveSettings(deps.store, current, next, by, toBizIso(deps.clock.now()));
      useNow(deps, saved.version, next);
      return view(saved.version, next);
    } catch (e) {
      if (e instanceof StaleSettings) throw stale();
      throw e;
    }
  },
});

/** The instance that wrote a version serves it from the next call on. */
function useNow(deps: Deps, version: number, settings: MerchantSettings): void {
  deps.settingsCache.current = { version, settings, stored: true };
  deps.settingsCache.loadedAt = deps.clock.now();
}

/** `GET /admin/settings/history` → `[{ version, by, at, changes: [{ path, before, after }] }]`, newest first. */
export const settingsHistoryCommand = defineCommand({
  name: 'admin.settingsHistory',
  roles: ['owner'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/settings/history' },
  async run({ deps }) {
    const page = await deps.store.query({ ...settingsKeys.history(), descending: true, limit: SETTINGS_HISTORY_LIMIT, consistent: true });
    return page.items.map((i) => ({ version: Number(i.version), by: String(i.by), at: String(i.at), changes: i.changes ?? [] }));
  },
});

export const settingsCommands = [settingsCommand, updateSettingsCommand, settingsHistoryCommand];
