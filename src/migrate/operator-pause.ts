import type { JsonValue, StateStore } from '../state/types.js';

/**
 * The operator's pause of backfill: a state-store setting the backfill throttle reads before each chunk. Capture and
 * apply keep running while backfill is paused (the pause only stops new chunk reads on legacy).
 */
export const OPERATOR_PAUSE_SETTING = 'backfill.pause';

export interface OperatorPause {
  readonly paused: boolean;
  readonly reason: string | null;
  readonly by: string;
  readonly at: string;
}

export async function setOperatorPause(store: StateStore, paused: boolean, by: string, reason: string | null): Promise<OperatorPause> {
  const value: OperatorPause = { paused, reason, by, at: new Date().toISOString() };
  const before = (await store.getSetting(OPERATOR_PAUSE_SETTING)) ?? null;
  await store.setSetting(OPERATOR_PAUSE_SETTING, value as unknown as JsonValue);
  await store.appendAudit({ actor: by, action: paused ? 'backfill.pause' : 'backfill.resume', subject: 'backfill', before, after: value as unknown as JsonValue, ...(reason ? { reason } : {}) });
  return value;
}

export async function getOperatorPause(store: StateStore): Promise<OperatorPause | null> {
  const v = await store.getSetting(OPERATOR_PAUSE_SETTING);
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, JsonValue>;
  return { paused: o['paused'] === true, reason: typeof o['reason'] === 'string' ? o['reason'] : null, by: String(o['by'] ?? ''), at: String(o['at'] ?? '') };
}
