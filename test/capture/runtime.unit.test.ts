import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/log/change.js';
import { CaptureRuntime } from '../../src/capture/runtime.js';
import type { CaptureSink } from '../../src/capture/types.js';

const rec = (i: number): LogRecord => ({
  kind: 'change', source: 's', table: 't', key: { id: { t: 'int', v: String(i) } }, op: 'insert', before: null,
  after: { id: { t: 'int', v: String(i) } }, position: String(i).padStart(20, '0'), txid: null, at: new Date().toISOString(),
});

/**
 * The runtime's contract with a sink, as a property: whatever the batch size and however pushes and flushes
 * interleave, the sink receives every record once, in push order, each append's checkpoint is the one given with its
 * last record, and checkpoints reach the sink in order. A failing append fails the runtime and nothing after it is
 * written (so a restart resumes from the last stored checkpoint).
 */
describe('CaptureRuntime', () => {
  it('appends every record once, in order, with the covering checkpoint', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 20 }), fc.array(fc.oneof(fc.constant('push'), fc.constant('flush'), fc.constant('advance')), { maxLength: 200 }),
      async (batchSize, script) => {
        const got: LogRecord[] = [];
        const checkpoints: string[] = [];
        const batches: number[] = [];
        const sink: CaptureSink = {
          lastCheckpoint: async () => null,
          write: async (records, cp) => {
            await Promise.resolve();
            got.push(...records); checkpoints.push(cp); batches.push(records.length);
            // the checkpoint covers exactly what has been written so far
            if (records.length > 0) expect(cp).toBe(records[records.length - 1]!.position);
          },
        };
        const rt = new CaptureRuntime('s', 'trigger', batchSize, 1);
        rt.begin(sink);
        let n = 0;
        const flushes: Promise<void>[] = [];
        for (const step of script) {
          if (step === 'push') { n++; const i = n; rt.push(rec(i), () => String(i).padStart(20, '0')); }
          else if (step === 'advance') rt.advance(String(n).padStart(20, '0'));
          else flushes.push(rt.flush());
        }
        await Promise.all(flushes);
        await rt.end();
        expect(got.map((r) => r.position)).toEqual(Array.from({ length: n }, (_, i) => String(i + 1).padStart(20, '0')));
        expect([...checkpoints].sort()).toEqual(checkpoints);
        expect(batches.every((b) => b <= batchSize)).toBe(true);
        if (n > 0) expect(rt.position).toBe(String(n).padStart(20, '0'));
        expect(rt.appended).toBe(n);
      }), { numRuns: 150 });
  });

  it('stops writing after a failed append and reports the failure', async () => {
    let calls = 0;
    const sink: CaptureSink = {
      lastCheckpoint: async () => null,
      write: async () => { calls++; if (calls === 2) throw new Error('disk full'); },
    };
    const rt = new CaptureRuntime('s', 'trigger', 2, 1);
    rt.begin(sink);
    for (let i = 1; i <= 6; i++) rt.push(rec(i), String(i));
    await rt.flush();
    await rt.flush();
    await expect(rt.finished).rejects.toThrow('disk full');
    expect(calls).toBe(2);
    expect(rt.position).toBe('2');
    expect(rt.status(null).state).toBe('failed');
  });

  // A pipelined sink as the PostgreSQL log behaves (LogCapabilities.pipelinedAppends): writes may overlap, they are
  // stored in call order, and one issued while an earlier one is in flight is not stored if that one failed.
  function pipelinedSink(failAt: number | null) {
    const stored: { records: readonly LogRecord[]; cp: string }[] = [];
    let calls = 0, inFlight = 0, maxInFlight = 0;
    let tail: Promise<void> = Promise.resolve();
    const sink: CaptureSink = {
      pipelined: true,
      lastCheckpoint: async () => null,
      write: (records, cp) => {
        const n = ++calls;
        const chained = inFlight > 0;
        inFlight++; maxInFlight = Math.max(maxInFlight, inFlight);
        const earlier = tail;
        const mine = (async () => {
          try {
            if (chained) await earlier;
            await new Promise((r) => setTimeout(r, 0));
            if (n === failAt) throw new Error('disk full');
            stored.push({ records, cp });
          } finally { inFlight--; }
        })();
        tail = mine;
        mine.catch(() => undefined);
        return mine;
      },
    };
    return { sink, stored, calls: () => calls, maxInFlight: () => maxInFlight };
  }

  it('with a pipelined sink: at most two appends in flight, everything once and in order', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 120 }), async (batchSize, n) => {
      const { sink, stored, maxInFlight } = pipelinedSink(null);
      const rt = new CaptureRuntime('s', 'trigger', batchSize, 1);
      rt.begin(sink);
      for (let i = 1; i <= n; i++) {
        rt.push(rec(i), String(i).padStart(20, '0'));
        if (i % 7 === 0) await new Promise((r) => setTimeout(r, 0)); // let appends overlap pushes
      }
      await rt.end();
      expect(stored.flatMap((s) => s.records.map((r) => r.position))).toEqual(Array.from({ length: n }, (_, i) => String(i + 1).padStart(20, '0')));
      for (const s of stored) if (s.records.length > 0) expect(s.cp).toBe(s.records[s.records.length - 1]!.position);
      expect(maxInFlight()).toBeLessThanOrEqual(2);
      expect(rt.appended).toBe(n);
    }), { numRuns: 100 });
  });

  it('with a pipelined sink: overlaps full batches, and a failure leaves the stored checkpoint at the last stored batch', async () => {
    const { sink, stored, calls, maxInFlight } = pipelinedSink(2);
    const rt = new CaptureRuntime('s', 'trigger', 2, 1);
    rt.begin(sink);
    for (let i = 1; i <= 8; i++) rt.push(rec(i), String(i));
    await rt.flush();
    await expect(rt.finished).rejects.toThrow('disk full');
    expect(maxInFlight()).toBe(2);
    expect(stored.map((s) => s.cp)).toEqual(['2']);
    expect(rt.position).toBe('2');
    expect(rt.appended).toBe(2);
    // the third write was handed over while the second was in flight (and not stored); nothing after the failure
    expect(calls()).toBe(3);
  });

  it('with a pipelined sink: a batch filled after a flush ended is appended at once, not at the next timer', async () => {
    const { sink, stored } = pipelinedSink(null);
    const rt = new CaptureRuntime('s', 'trigger', 2, 60_000); // (a timer that never fires within the test)
    rt.begin(sink);
    rt.push(rec(1), String(1)); rt.push(rec(2), String(2)); // full: handed over
    rt.push(rec(3), String(3)); // a partial batch while the first is in flight
    await rt.flush();
    expect(stored.map((x) => x.cp)).toEqual(['2', '3']);
    rt.push(rec(4), String(4)); rt.push(rec(5), String(5)); // full again: must go without a flush() call
    for (let i = 0; i < 50 && stored.length < 3; i++) await new Promise((r) => setTimeout(r, 1));
    expect(stored.map((x) => x.cp)).toEqual(['2', '3', '5']);
    await rt.end();
  });
});

