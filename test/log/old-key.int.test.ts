import { afterAll, describe, expect, it } from 'vitest';
import type { RowChange } from '../../src/log/change.js';
import { checkRecord } from '../../src/log/check.js';
import { decodeRecord, encodeRecord } from '../../src/log/codec.js';
import { LogRecordError } from '../../src/log/errors.js';
import { float, int } from '../../src/values/index.js';
import { LOG_ENGINES, LogFactory } from './logs.js';

// A key-changing update carries the old key explicitly (issue 11, finding 9): every log keeps it, exactly.
const keyChange: RowChange = {
  kind: 'change', source: 'legacy', table: 'orders', key: { id: int(101), k: float(Infinity) }, op: 'update',
  before: { id: int(1), k: float(NaN), v: 'a' }, after: { id: int(101), k: float(Infinity), v: 'a' },
  oldKey: { id: int(1), k: float(NaN) }, position: '00000000000000000001', txid: null, at: '2026-12-03T22:00:00.000Z',
};

describe.each(LOG_ENGINES)('oldKey through the %s log', (engine) => {
  const logs = new LogFactory(engine);
  afterAll(() => logs.dropAll());
  it('is stored and read back as written (non-finite floats included)', async () => {
    const { log } = await logs.fresh();
    const plain: RowChange = { ...keyChange, oldKey: undefined, position: '00000000000000000002', key: { id: int(2), k: float(1) }, before: null, after: { id: int(2), k: float(1), v: 'b' } };
    delete (plain as { oldKey?: unknown }).oldKey;
    await log.append([keyChange, plain]);
    // PostgreSQL's log shows an entry once no older transaction is open anywhere on the server (other tests' included):
    // readers poll, as the log's consumers do
    let back: RowChange[] = [];
    for (let i = 0; i < 200 && back.length < 2; i++) {
      back = (await log.read(null, 10)).map((e) => e.record as RowChange);
      if (back.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(back).toHaveLength(2);
    expect(back[0]!.oldKey).toEqual(keyChange.oldKey);
    expect(Number.isNaN((back[0]!.oldKey!['k'] as { v: number }).v)).toBe(true);
    expect('oldKey' in back[1]!).toBe(false);
  });
});

describe('oldKey in the record checks', () => {
  it('is refused on anything but an update, by the append check and by the decoder', () => {
    const bad = { ...keyChange, op: 'insert', before: null };
    expect(() => checkRecord(bad, 'test')).toThrow(/oldKey: only an update/);
    expect(() => decodeRecord(JSON.stringify(bad), 'test')).toThrow(LogRecordError);
    expect(decodeRecord(encodeRecord(keyChange), 'test')).toMatchObject({ oldKey: { id: int(1) } });
  });
});
