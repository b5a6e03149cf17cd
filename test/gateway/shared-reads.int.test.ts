import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptWithSharedReads } from '../../src/gateway/http1/shared-reads.js';
import { eventually } from './support/raw.js';

// The client read path of the gateway (shared-reads.ts): on this Node the accepted socket's handle must be adopted —
// a silent fall back to 'data' would only show as CPU — and the adopted socket must behave as a socket: reads through
// the shared buffer, writes, pause/resume, and the client's half-close as 'end'.
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  delete process.env.SIPHON_GATEWAY_SHARED_READS;
});

async function serve(onAdopted: (s: Socket | undefined, seen: Buffer[]) => void): Promise<number> {
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (accepted) => {
    const seen: Buffer[] = [];
    // what a read hands over is only valid during the callback: copy it, as the parser does
    const adopted = adoptWithSharedReads(accepted, (d) => { seen.push(Buffer.from(d)); });
    onAdopted(adopted, seen);
    if (!adopted) accepted.destroy();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('client sockets read into the shared buffer', () => {
  it('adopts the accepted handle: every byte in order, writes back, pause holds reads, a half-close ends it', async () => {
    let sock: Socket | undefined;
    let seen: Buffer[] = [];
    let ended = false;
    const port = await serve((s, b) => { sock = s; seen = b; s?.on('end', () => { ended = true; s.end('bye'); }); });
    const c = connect(port, '127.0.0.1');
    await once(c, 'connect');
    await eventually(async () => sock !== undefined, 2000, 'adopted');
    expect(sock).toBeDefined();

    const big = Buffer.alloc(200_000, 7); // more than the 64 KB buffer: several reads reuse it
    c.write('first;');
    c.write(big);
    await eventually(async () => Buffer.concat(seen).length === 6 + big.length, 5000, 'all bytes read');
    const all = Buffer.concat(seen);
    expect(all.subarray(0, 6).toString()).toBe('first;');
    expect(all.subarray(6).equals(big)).toBe(true);

    const got: Buffer[] = [];
    c.on('data', (d: Buffer) => got.push(d));
    sock!.write('pong');
    await eventually(async () => Buffer.concat(got).toString() === 'pong', 2000, 'written back');

    sock!.pause();
    const before = Buffer.concat(seen).length;
    c.write('held');
    await new Promise((r) => setTimeout(r, 100));
    expect(Buffer.concat(seen).length).toBe(before);
    sock!.resume();
    await eventually(async () => Buffer.concat(seen).subarray(before).toString() === 'held', 2000, 'read after resume');

    c.end();
    await eventually(async () => ended, 2000, "the client's half-close seen as 'end'");
    await eventually(async () => Buffer.concat(got).toString() === 'pongbye', 2000, 'answer after the half-close');
    c.destroy();
  });

  it('SIPHON_GATEWAY_SHARED_READS=0 leaves the accepted socket to the caller', async () => {
    process.env.SIPHON_GATEWAY_SHARED_READS = '0';
    let result: Socket | undefined | 'unset' = 'unset';
    const port = await serve((s) => { result = s; });
    const c = connect(port, '127.0.0.1');
    await once(c, 'connect');
    await eventually(async () => result !== 'unset', 2000, 'accepted');
    expect(result).toBeUndefined();
    c.destroy();
  });
});
