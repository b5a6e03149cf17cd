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
   * (then next's answer is recorded too).
   */
  readonly mirrorTo?: 'legacy' | 'next';
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
  const selfMirror = (o.mirrorTo ?? 'legacy') === 'legacy';
  const recorder = new Recorder({
    out: o.out, ...(o.sampling ? { sampling: o.sampling } : {}), ...(o.redact ? { redact: o.redact } : {}),
    ...(o.maxBodyBytes ? { maxBodyBytes: o.maxBodyBytes } : {}), maxBytes: o.maxBytes, maxFiles: o.maxFiles,
    includeNext: !selfMirror, logger: log,
  });
  await recorder.open();
  const useTemplate = !o.routes;
  const sink: DiffSink = {
    accept(ex: Exchange) {
      // self-mirror: the copy came from legacy, so it is a second legacy answer, not next's
      const shaped: Exchange = selfMirror ? { ...ex, legacy2: ex.next } : ex;
      recorder.accept(useTemplate && ex.routeId === RECORD_ROUTE_ID ? { ...shaped, endpoint: templateEndpoint(ex.request.method, ex.request.url) } : shaped);
    },
    close: () => recorder.close(),
  };
  const next = selfMirror ? o.legacy : o.next;
  if (!next) throw new RecordConfigError('--mirror-to', 'mirroring to next needs a next origin (--next or next.http in the config)');
  const gateway = createGateway({ legacy: o.legacy, next, routes: o.routes ?? [CATCH_ALL], sink }, log);
  const addr = await gateway.listen(o.port ?? 0, o.host ?? '127.0.0.1');
  return {
    port: addr.port, gateway,
    stats: () => recorder.stats(),
    stop: async () => {
      await gateway.close(); // drains the mirror and closes the sink (the recorder)
      return recorder.stats();
    },
  };
}
