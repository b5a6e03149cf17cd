import type { AuditContext, SettingsStore as StateSettings } from '../state/types.js';
import type { OperatorPause } from './types.js';

/**
 * The operator pause lives in the state store's settings, so `siphon backfill pause|resume` in another process stops
 * and restarts a running backfill (it re-reads the setting while copying).
 */
export const PAUSE_SETTING = 'backfill.pause';

/** The part of the state store the pause needs (the state store's settings part). */
export type SettingsStore = Pick<StateSettings, 'getSetting' | 'setSetting'>;

/**
 * Stores the pause. With `actor`, the audit entry (`backfill.pause` / `backfill.resume`, before and after) is written
 * in the same state-store transaction as the setting (every operator change is audited; the CLI and admin API pass it).
 */
export async function setBackfillPause(store: SettingsStore, paused: boolean, reason: string | null = null, now = new Date(),
  actor?: string): Promise<OperatorPause> {
  const value: OperatorPause = { paused, reason, at: now.toISOString() };
  const audit: AuditContext | undefined = actor === undefined ? undefined
    : { actor, action: paused ? 'backfill.pause' : 'backfill.resume', ...(reason ? { reason } : {}) };
  await store.setSetting(PAUSE_SETTING, { ...value }, audit);
  return value;
}

/** The stored pause; not paused when never set (or when the stored value is not one we wrote). */
export async function readBackfillPause(store: SettingsStore): Promise<OperatorPause> {
  const v = await store.getSetting(PAUSE_SETTING);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { paused?: unknown; reason?: unknown; at?: unknown };
    if (typeof o.paused === 'boolean') {
      return { paused: o.paused, reason: typeof o.reason === 'string' ? o.reason : null, at: typeof o.at === 'string' ? o.at : '' };
    }
  }
  return { paused: false, reason: null, at: '' };
}
