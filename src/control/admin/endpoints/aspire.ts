import type { IncomingMessage, ServerResponse } from 'node:http';
import { aspireHandler } from '../../../aspire/handler.js';
import type { Aspirer } from '../../../aspire/types.js';
import type { Logger } from '../../../observe/logger.js';
import type { EndpointRegistry } from '../registry.js';

/**
 * `POST /aspire/ENTITY/KEY` (operator token): pull one entity into next now, through the process running the data
 * path (`siphon migrate` / `siphon start`'s migrate role), the same as `siphon aspire`. The answer is the aspire
 * result with its status (200 migrated/already/shared, 409 quarantined with the rows and reasons, 404 unknown entity
 * or key, 400 bad key, 503 retryable). The aspirer is connected on the first call (it reads legacy's entity plans),
 * so an admin API without entities or without a reachable legacy still starts; the audit names the token's identity.
 */
export function mountAspire(registry: EndpointRegistry, connect: () => Promise<Aspirer>, log: Logger): { close(): Promise<void> } {
  let aspirer: Promise<Aspirer> | undefined;
  const get = () => (aspirer ??= connect().catch((e: unknown) => { aspirer = undefined; throw e; }));
  registry.mount({
    method: 'POST', path: '/aspire/*', access: 'change', summary: 'POST /aspire/ENTITY/KEY: pull one entity into next now (answer: the aspire result)',
    handleRaw: async (req: IncomingMessage, res: ServerResponse, who) => {
      req.resume(); // no body is read: a client sending one is not left blocked
      const parts = new URL(req.url ?? '/', 'http://admin').pathname.split('/').filter(Boolean).slice(1);
      if (parts.length !== 2) {
        send(res, 400, { error: { code: 'ADMIN_BAD_REQUEST', message: 'expected POST /aspire/ENTITY/KEY (the key URL-encoded)' } });
        return;
      }
      const [entity, key] = parts.map((p) => { try { return decodeURIComponent(p); } catch { return p; } }) as [string, string];
      const abort = new AbortController();
      res.once('close', () => { if (!res.writableFinished) abort.abort(); });
      const handler = aspireHandler(await get());
      const answer = await handler({ entity, key, ...(who ? { actor: who.identity } : {}), signal: abort.signal });
      log.info({ identity: who?.identity, entity, key, outcome: answer.body.outcome }, 'admin aspire');
      send(res, answer.status, answer.body);
    },
  });
  return { close: async () => { const a = aspirer; aspirer = undefined; await (await a?.catch(() => undefined))?.close(); } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
