import { connect, type JetStreamClient, type JetStreamManager, type KV, type NatsConnection, type StoredMsg, type JsMsg } from 'nats';
import { redactUrl } from '../../backends/url.js';
import type { LogRecord } from '../change.js';
import { checkRecord } from '../check.js';
import { decodeRecord, encodeRecord } from '../codec.js';
import { LogClosedError, LogError, LogNotFoundError, LogStorageError } from '../errors.js';
import { recordAppend } from '../metrics.js';
import { checkConsumerName, checkLimit } from '../names.js';
import { pollTail, Wakeup } from '../tail.js';
import type {
  AppendOptions, AppendResult, ConsumerCheckpoint, EventLog, LogCapabilities, LogEntry, LogOffset, LogStats,
  RetentionPolicy, RetentionResult, TailOptions,
} from '../types.js';
import { KvCheckpoints } from './kv-checkpoints.js';
import { checkLogName, kvBucket, recordMsgId, recordSubject, streamName, subjectPrefix, wakeSubject } from './subjects.js';
import { parseSeq } from './seq.js';
import { publishBatch, type OutMsg } from './publish.js';

const MAX_IN_FLIGHT = 1024;
const H_SOURCE = 'Siphon-Source';
const H_POSITION = 'Siphon-Source-Position';

/**
 * The distributed log on NATS JetStream (server 2.9 feature set). One stream per log (`SIPHON_<log>`, subjects
 * `siphon.<log>.<source>.<table>`); deploy one log per source to get a stream per source. Offsets are stream
 * sequences. The stream has no age/size limits: retention is an explicit purge up to the slowest consumer, so the
 * server never drops an entry a consumer has not passed.
 *
 * Named consumers are checkpoints in a KV bucket, moved by compare-and-set on the KV revision; reads use short-lived
 * ordered consumers from a start sequence. (A JetStream durable consumer's ack floor cannot be compare-and-set nor
 * rewound for replay, so it cannot carry this contract.) Tailers are woken by a core-NATS notice each append sends.
 */
export class NatsLog implements EventLog {
  readonly capabilities: LogCapabilities = { pushTail: true, distributed: true, atomicSourcePosition: false, pipelinedAppends: false };
  private closed = false;
  private readonly wakeup = new Wakeup();
  private readonly stream: string;

  private constructor(readonly name: string, readonly log: string, private readonly nc: NatsConnection,
    private readonly js: JetStreamClient, private readonly jsm: JetStreamManager, private readonly kv: KvCheckpoints) {
    this.stream = streamName(log);
    const sub = nc.subscribe(wakeSubject(log));
    void (async () => { for await (const _ of sub) this.wakeup.notify(); })().catch(() => undefined);
  }

  /**
   * `nats://host:4222[,host2:4222]/LOG` (LOG defaults to "default"). Creates the stream and KV bucket if missing,
   * unless `mustExist`: then a missing stream or bucket is a LogNotFoundError and nothing is created.
   */
  static async open(url: string, options: { mustExist?: boolean } = {}): Promise<NatsLog> {
    const name = redactUrl(url);
    const rest = url.slice('nats://'.length);
    const slash = rest.indexOf('/');
    const log = checkLogName(slash >= 0 && rest.slice(slash + 1) ? decodeURIComponent(rest.slice(slash + 1)) : 'default');
    const servers = (slash >= 0 ? rest.slice(0, slash) : rest).split(',').filter(Boolean).map((s) => `nats://${s}`);
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers, name: 'siphon-log', maxReconnectAttempts: -1 });
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream();
      const stream = streamName(log);
      try {
        await jsm.streams.info(stream);
      } catch {
        if (options.mustExist) throw new LogNotFoundError(name, `no JetStream stream ${stream}`);
        await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix(log)}.>`], duplicate_window: 120_000_000_000 });
      }
      let kv: KV;
      try {
        kv = await js.views.kv(kvBucket(log), { history: 1, bindOnly: options.mustExist === true });
      } catch (e) {
        if (options.mustExist) throw new LogNotFoundError(name, `no KV bucket ${kvBucket(log)}`);
        throw e;
      }
      return new NatsLog(name, log, nc, js, jsm, new KvCheckpoints(kv, name));
    } catch (e) {
      await nc?.close().catch(() => undefined);
      if (e instanceof LogError) throw e;
      throw new LogStorageError(name, 'open', e);
    }
  }

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new LogClosedError(this.name);
    try { return await fn(); } catch (e) {
      if (e instanceof LogError) throw e;
      throw new LogStorageError(this.name, operation, e);
    }
  }

  async append(batch: readonly LogRecord[], options: AppendOptions = {}): Promise<AppendResult> {
    const msgs = batch.map((r, i) => {
      const v = checkRecord(r, `to append at index ${i} of the batch for ${this.name}`);
      return { subject: recordSubject(this.log, v), data: Buffer.from(encodeRecord(v), 'utf8'), msgID: recordMsgId(v) };
    });
    const sp = options.sourcePosition;
    const offsets = await this.run('append', async () => {
      // Bounded window of unacknowledged messages (see publish.ts); the source position rides on the last one.
      const out: OutMsg[] = sp && msgs.length > 0
        ? [...msgs.slice(0, -1), { ...msgs[msgs.length - 1]!, extra: { [H_SOURCE]: sp.source, [H_POSITION]: sp.position } }]
        : msgs;
      const seqs = await publishBatch(this.nc, this.stream, out, MAX_IN_FLIGHT);
      // Stored after the acks: if this fails or the process dies first, the header on the last message still has it.
      if (sp) await this.kv.putSource(sp.source, sp.position, seqs.length ? seqs[seqs.length - 1]! : null);
      if (msgs.length > 0) this.nc.publish(wakeSubject(this.log));
      return seqs.map(String);
    });
    recordAppend(this.name, batch);
    return { offsets };
  }

  async read(after: LogOffset | null, limit: number): Promise<LogEntry[]> {
    const a = after === null ? 0 : parseSeq(after, this.name);
    checkLimit(limit);
    return this.run('read', async () => {
      const { state } = await this.jsm.streams.info(this.stream);
      const start = Math.max(a + 1, state.first_seq);
      if (state.messages === 0 || start > state.last_seq) return [];
      const want = Math.min(limit, state.last_seq - start + 1);
      const c = await this.js.consumers.get(this.stream, { opt_start_seq: start });
      const out: LogEntry[] = [];
      const it = await c.fetch({ max_messages: want, expires: 2000 });
      for await (const m of it) {
        out.push(this.toEntry(m));
        if (out.length >= want) break;
      }
      await c.delete().catch(() => undefined);
      return out;
    });
  }

  private toEntry(m: JsMsg | StoredMsg): LogEntry {
    const seq = 'seq' in m && typeof m.seq === 'number' ? m.seq : (m as JsMsg).info.streamSequence;
    const offset = String(seq);
    const ms = 'time' in m ? (m as StoredMsg).time.getTime() : Math.floor((m as JsMsg).info.timestampNanos / 1e6);
    return { offset, record: decodeRecord(Buffer.from(m.data).toString('utf8'), `at sequence ${offset} of ${this.name}`), appendedAt: new Date(ms).toISOString() };
  }

  tail(after: LogOffset | null, signal: AbortSignal, options: TailOptions = {}): AsyncIterable<LogEntry[]> {
    return pollTail((a, l) => this.read(a, l), after, signal,
      { batchSize: options.batchSize ?? 1000, minDelayMs: 5, maxDelayMs: 50, wakeup: this.wakeup });
  }

  async lastSourcePosition(source: string): Promise<string | null> {
    return this.run('lastSourcePosition', async () => {
      const stored = await this.kv.getSource(source);
      // The KV write comes after the publish acks; a crash in between leaves the position only in the header of the
      // batch's last message. Look at the newest message of this source and take its header if it is newer.
      const newer = await this.headerPositionAfter(source, stored?.seq ?? 0);
      if (newer !== null) return newer;
      return stored?.position ?? null;
    });
  }

  /**
   * The source position carried by the newest batch of `source` stored after sequence `after`, if any. Only a
   * batch's last message carries it; walk back from the end of the stream down to `after` (when the KV is current
   * that is no message at all with one stream per source), at most 10,000 messages.
   */
  private async headerPositionAfter(source: string, after: number): Promise<string | null> {
    const { state } = await this.jsm.streams.info(this.stream);
    if (state.messages === 0) return null;
    const floor = Math.max(after + 1, state.first_seq, state.last_seq - 10_000);
    for (let seq = state.last_seq; seq >= floor; seq--) {
      const m = await this.jsm.streams.getMessage(this.stream, { seq }).catch(() => null);
      if (m?.header?.get(H_SOURCE) === source) return m.header.get(H_POSITION) || null;
    }
    return null;
  }

  registerConsumer(name: string, at: LogOffset | null = null): Promise<ConsumerCheckpoint> {
    checkConsumerName(name);
    if (at !== null) parseSeq(at, this.name);
    return this.run('registerConsumer', () => this.kv.register(name, at));
  }

  checkpoint(name: string): Promise<ConsumerCheckpoint> {
    checkConsumerName(name);
    return this.run('checkpoint', () => this.kv.checkpoint(name));
  }

  commit(name: string, expected: LogOffset | null, next: LogOffset | null): Promise<void> {
    checkConsumerName(name);
    if (expected !== null) parseSeq(expected, this.name);
    if (next !== null) parseSeq(next, this.name);
    return this.run('commit', () => this.kv.commit(name, expected, next));
  }

  consumers(): Promise<ConsumerCheckpoint[]> {
    return this.run('consumers', () => this.kv.list());
  }

  dropConsumer(name: string): Promise<void> {
    checkConsumerName(name);
    return this.run('dropConsumer', () => this.kv.drop(name));
  }

  async applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
    const cutoff = (policy.now ?? new Date()).getTime() - policy.maxAgeMs;
    return this.run('applyRetention', async () => {
      const cs = await this.kv.list();
      if (cs.length === 0 || cs.some((c) => c.offset === null)) return { deleted: 0, upTo: null };
      const min = Math.min(...cs.map((c) => Number(c.offset)));
      const { state } = await this.jsm.streams.info(this.stream);
      let lo = state.first_seq, hi = Math.min(min, state.last_seq), best = -1;
      if (state.messages === 0 || hi < lo) return { deleted: 0, upTo: null };
      // Append times grow with the sequence: binary search the last message older than the cutoff.
      while (lo <= hi) {
        const mid = Math.floor((lo + hi) / 2);
        const m = await this.jsm.streams.getMessage(this.stream, { seq: mid }).catch(() => null);
        if (m && m.time.getTime() < cutoff) { best = mid; lo = mid + 1; } else hi = mid - 1;
      }
      if (best < 0) return { deleted: 0, upTo: null };
      // Re-check the minimum right before purging: a consumer may have been added or rewound meanwhile.
      const again = await this.kv.list();
      if (again.length === 0 || again.some((c) => c.offset === null || Number(c.offset) < best)) return { deleted: 0, upTo: null };
      const r = await this.jsm.streams.purge(this.stream, { seq: best + 1 });
      return { deleted: r.purged, upTo: String(best) };
    });
  }

  async stats(): Promise<LogStats> {
    return this.run('stats', async () => {
      const { state } = await this.jsm.streams.info(this.stream);
      const empty = state.messages === 0;
      return { entries: state.messages, firstOffset: empty ? null : String(state.first_seq), lastOffset: empty ? null : String(state.last_seq), bytes: state.bytes };
    });
  }

  compareOffsets(a: LogOffset, b: LogOffset): number {
    return parseSeq(a, this.name) - parseSeq(b, this.name);
  }

  offsetBefore(offset: LogOffset): LogOffset | null {
    const s = parseSeq(offset, this.name);
    return s <= 1 ? null : String(s - 1);
  }

  parseOffset(text: string): LogOffset {
    return String(parseSeq(text.trim(), this.name));
  }

  /** Delete the stream and the KV bucket (tests, `siphon log drop`). */
  async destroy(): Promise<void> {
    await this.run('destroy', async () => {
      await this.jsm.streams.delete(this.stream).catch(() => undefined);
      await this.kv.destroy();
    });
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeup.notify();
    await this.nc.drain().catch(() => undefined);
  }
}
