import { parseSettlementSettings, type SettlementSettings } from '#domain/commission';
import type { Deps } from '../deps.ts';

const parsed = new WeakMap<object, SettlementSettings>();

/**
 * The merchant's settlement settings (`MERCHANT_SETTINGS.settlement`), validated once per
 * settings object; a bad value fails with VALIDATION_FAILED naming the field.
 */
export function settlementSettingsOf(deps: Pick<Deps, 'settings'>): SettlementSettings {
  const raw = deps.settings.settlement;
  let s = parsed.get(raw);
  if (!s) {
    s = parseSettlementSettings(raw);
    parsed.set(raw, s);
  }
  return s;
}
