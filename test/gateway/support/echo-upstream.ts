import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the echo upstream answers: the request as it saw it, body as length + sha256. */
export interface Echo {
  readonly method: string;
  readonly url: string;
  /** Flat [name, value, …] as received. */
  readonly rawHeaders: string[];
  readonly bodyLength: number;
  readonly bodySha: string;
}

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export interface EchoUpstream {
  readonly url: string;
  readonly port: number;
  /** Requests whose answer was cut by the gateway (connection closed before the answer finished). */
  readonly aborted: string[];
  /** Every request received, in arrival order. */
  readonly seen: Echo[];
  readonly server: Server;
  close(): Promise<void>;
}

export type Special = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean;

/**
 * A node:http upstream that echoes each request. `x-echo-framing: chunked` makes it answer without a length
 * (node:http then chunks it, in several writes), anything else with Content-Length. `special` may answer some paths
 * itself (return true).
 */
export async function startEchoUpstream(special?: Special): Promise<EchoUpstream> {
  const aborted: string[] = [];
  const seen: Echo[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    res.on('close', () => { if (!res.writableFinished) aborted.push(req.url!); });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const echo: Echo = { method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, bodyLength: body.length, bodySha: sha(body) };
      seen.push(echo);
      if (special?.(req, res, body)) return;
      const text = Buffer.from(JSON.stringify(echo));
      if (req.headers['x-echo-framing'] === 'chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        // several writes: the gateway must re-chunk them faithfully
        const third = Math.ceil(text.length / 3);
        res.write(text.subarray(0, third));
        res.write(text.subarray(third, 2 * third));
        res.end(text.subarray(2 * third));
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': text.length });
        res.end(text);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, port, aborted, seen, server,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** The echo in an answer body (throws with the body when it is not one). */
export function echoOf(body: Buffer): Echo {
  try { return JSON.parse(body.toString('utf8')) as Echo; } catch { throw new Error(`not an echo: ${body.toString('latin1').slice(0, 200)}`); }
}

/** Header value (case-insensitive) from a flat raw header array; repeats joined with ", ". */
export function rawHeader(raw: readonly string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === name) out = out === undefined ? raw[i + 1]! : `${out}, ${raw[i + 1]}`;
  }
  return out;
}
