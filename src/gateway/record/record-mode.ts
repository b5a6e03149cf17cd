import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../observe/logger.js';
import { createLogger } from '../../observe/logger.js';
import type { RedactionConfig } from '../diff/redact.js';
import type { DiffSink, Exchange } from '../exchange.js';
import type { RouteSpec } from '../routing/route.js';
import { createGateway, type Gateway } from '../server.js';
import { RecordConfigError } from './errors.js';
import { templateEndpoint } from './endpoint-template.js';
import { Recorder, type RecorderStats } from './recorder.js';
import type { RotationOptions } from './rotating-file.js';
import type { Sampling } from './sampler.js';

export interface RecordModeOptions extends RotationOptions {
  /** Legacy origin: the side that answers every user request. */
  readonly legacy: string;
  /**
   * Where the gateway sends its copy: `legacy` (default) mirrors safe requests to legacy a second time, which gives
   * the recording a second legacy answer for noise cancellation at replay and needs no next; `next` mirrors to next
   * (then next's answer is recorded too); `none` sends the copy to an in-process null upstream, so legacy serves
   * each request once (no noise data in the recording).
   */
  readonly mirrorTo?: 'legacy' | 'next' | 'none';
  readonly next?: string;
  readonly out: string;
  readonly sampling?: Sampling;
  readonly port?: number;
  readonly host?: string;
  /** Route table; default: one catch-all shadow route for safe methods (endpoints then named from the path). */
  readonly routes?: readonly RouteSpec[];
  readonly redact?: RedactionConfig;
  readonly maxBodyBytes?: number;
  readonly logger?: Logger;
}

export interface RecordingSession {
  readonly port: number;
  readonly gateway: Gateway;
  stats(): RecorderStats;
  /** Stops accepting, finishes in-flight requests, writes what is queued, closes the file. */
  stop(): Promise<RecorderStats>;
}

export const RECORD_ROUTE_ID = 'record';
/** Writes are never copied in record mode: a self-mirror would apply them to legacy twice. */
const CATCH_ALL: RouteSpec = { id: RECORD_ROUTE_ID, match: { methods: ['GET', 'HEAD', 'OPTIONS'], path: '/*' }, mode: { kind: 'shadow' } };

/**
 * Runs the gateway in record mode. The gateway hands the recorder what its mirror captures (the user's answer from
 * legacy plus the copy), so only mirrored requests are recorded: with the default catch-all route, every safe
 * request (GET/HEAD/OPTIONS); with `routes`, the requests of shadow routes (and canary routes with `canaryShadow`).
 * Users are always answered by legacy, streamed, as in legacy mode.
 */
export async function startRecording(o: RecordModeOptions): Promise<RecordingSession> {
  const log = o.logger ?? createLogger('record');
  const mirrorTo = o.mirrorTo ?? 'legacy';
  const selfMirror = mirrorTo === 'legacy';
  if (mirrorTo === 'next' && !o.next) throw new RecordConfigError('--mirror-to', 'mirroring to next needs a next origin (--next-http or next.http in the config)');
  const recorder = new Recorder({
    out: o.out, ...(o.sampling ? { sampling: o.sampling } : {}), ...(o.redact ? { redact: o.redact } : {}),
    ...(o.maxBodyBytes ? { maxBodyBytes: o.maxBodyBytes } : {}), maxBytes: o.maxBytes, maxFiles: o.maxFiles,
    includeNext: mirrorTo === 'next', logger: log,
  });
  try {
    await recorder.open();
  } catch (e) {
    throw new RecordConfigError('--out', `cannot open ${o.out} for appending: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const useTemplate = !o.routes;
  const sink: DiffSink = {
    accept(ex: Exchange) {
      // self-mirror: the copy came from legacy, so it is a second legacy answer, not next's
      const shaped: Exchange = selfMirror ? { ...ex, legacy2: ex.next } : ex;
      recorder.accept(useTemplate && ex.routeId === RECORD_ROUTE_ID ? { ...shaped, endpoint: templateEndpoint(ex.request.method, ex.request.url) } : shaped);
    },
    close: () => recorder.close(),
  };
  const nullUpstream = mirrorTo === 'none' ? await startNullUpstream() : undefined;
  const next = mirrorTo === 'legacy' ? o.legacy : mirrorTo === 'next' ? (o.next as string) : (nullUpstream as NullUpstream).url;
  const gateway = createGateway({ legacy: o.legacy, next, routes: o.routes ?? [CATCH_ALL], sink }, log);
  let addr: AddressInfo;
  try {
    addr = await gateway.listen(o.port ?? 0, o.host ?? '127.0.0.1');
  } catch (e) {
    await gateway.close();
    await nullUpstream?.close();
    throw e;
  }
  return {
    port: addr.port, gateway,
    stats: () => recorder.stats(),
    stop: async () => {
      await gateway.close(); // drains the mirror and closes the sink (the recorder)
      await nullUpstream?.close();
      return recorder.stats();
    },
  };
}

interface NullUpstream { readonly url: string; close(): Promise<void> }

/** Answers 204 at once: the mirror's copy target when nothing should be called twice. */
async function startNullUpstream(): Promise<NullUpstream> {
  const server = createServer((req, res) => { req.resume(); res.writeHead(204).end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
