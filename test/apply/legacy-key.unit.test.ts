import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveConfig } from '../../src/config/resolve.js';
import { legacyKeyOf } from '../../src/apply/prepare.js';
import type { RowChange } from '../../src/log/change.js';
import { int } from '../../src/values/index.js';

const config = resolveConfig({ name: 't', legacy: { db: 'sqlite::memory:' }, next: { db: 'sqlite::memory:' }, tables: {
  L: { key: ['FAC_NUM', 'LIG_NO'], to: () => ({}), schemas: { lines: z.object({}) } },
} });
const c = (key: RowChange['key'], before: RowChange['before'] = null): RowChange => ({ kind: 'change', source: 's', table: 'L', key, op: 'update', before, after: { FAC_NUM: int(1), LIG_NO: int(2) }, position: '1', txid: null, at: '2026-01-01T00:00:00Z' });

describe('legacy key of a change: the mapping key, in the mapping order', () => {
  it('is the same whatever the order of the change key (capture and backfill name one legacy row one way)', () => {
    const m = config.tables.L!;
    expect(legacyKeyOf(m, c({ FAC_NUM: int(1), LIG_NO: int(2) }))).toBe(legacyKeyOf(m, c({ LIG_NO: int(2), FAC_NUM: int(1) })));
    expect(legacyKeyOf(m, c({ FAC_NUM: int(1), LIG_NO: int(2) }))).toBe('int:1|int:2');
  });
  it('reads the old key of an update from the before image, null when it lacks a key column', () => {
    const m = config.tables.L!;
    expect(legacyKeyOf(m, c({ FAC_NUM: int(1), LIG_NO: int(2) }, { LIG_NO: int(9), FAC_NUM: int(1) }), 'before')).toBe('int:1|int:9');
    expect(legacyKeyOf(m, c({ FAC_NUM: int(1), LIG_NO: int(2) }, { LIG_NO: int(9) }), 'before')).toBeNull();
  });
});
