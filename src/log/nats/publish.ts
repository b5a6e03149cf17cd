import { createInbox, headers, type MsgHdrs, type NatsConnection } from 'nats';

export interface OutMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgID: string;
  /** Extra headers (the source position on a batch's last message). */
  readonly extra?: Readonly<Record<string, string>>;
}

interface PubAck { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; description?: string } }

/**
 * JetStream publish of a batch with a bounded window of unacknowledged messages, on core NATS: each message goes out
 * with a reply subject `<inbox>.<index>` and the stream's PubAck comes back there. The client library's
 * js.publish does the same per message with a request object, a timer and a captured stack each, which made it the
 * bottleneck (≈10k msgs/s per CPU-second); this is the same protocol without that per-message cost.
 *
 * Messages on one connection reach the server in order, so stream sequences follow the batch order. Resolves with
 * one sequence per message (the original's for a de-duplicated message), or rejects on the first error; a message
 * not acknowledged within `timeoutMs` of the last progress fails the batch (the caller retries; msg ids dedupe).
 */
export function publishBatch(nc: NatsConnection, stream: string, msgs: readonly OutMsg[], maxInFlight: number, timeoutMs = 30_000): Promise<number[]> {
  const n = msgs.length;
  if (n === 0) return Promise.resolve([]);
  const inbox = createInbox();
  const seqs: (number | undefined)[] = new Array(n);
  let acked = 0;
  let sent = 0;
  return new Promise<number[]>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (e?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub.unsubscribe();
      if (e) reject(e); else resolve(seqs as number[]);
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new Error(`${n - acked} of ${n} messages were not acknowledged by stream ${stream} within ${timeoutMs} ms`)), timeoutMs);
    };
    const sub = nc.subscribe(`${inbox}.*`, {
      callback: (err, m) => {
        if (done) return;
        if (err) { finish(err); return; }
        const i = Number(m.subject.slice(inbox.length + 1));
        if (m.headers?.code === 503) { finish(new Error(`no JetStream stream answers for subject ${msgs[i]?.subject} (is ${stream} deleted?)`)); return; }
        let ack: PubAck;
        try { ack = JSON.parse(Buffer.from(m.data).toString('utf8')) as PubAck; } catch { finish(new Error(`unreadable publish acknowledgement from ${stream}`)); return; }
        if (ack.error) { finish(new Error(`stream ${stream} refused message ${i}: ${ack.error.description ?? 'error'} (${ack.error.code ?? '?'})`)); return; }
        if (ack.stream !== stream) { finish(new Error(`subject ${msgs[i]?.subject} was stored by stream ${ack.stream}, not ${stream}: another stream overlaps its subjects`)); return; }
        if (seqs[i] === undefined && typeof ack.seq === 'number') { seqs[i] = ack.seq; acked++; }
        if (acked === n) { finish(); return; }
        arm();
        pump();
      },
    });
    const pump = (): void => {
      while (sent < n && sent - acked < maxInFlight) {
        const m = msgs[sent]!;
        const h: MsgHdrs = headers();
        h.set('Nats-Msg-Id', m.msgID);
        if (m.extra) for (const k in m.extra) h.set(k, m.extra[k]!);
        nc.publish(m.subject, m.data, { reply: `${inbox}.${sent}`, headers: h });
        sent++;
      }
    };
    arm();
    pump();
  });
}
