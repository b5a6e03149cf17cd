import { Socket } from 'node:net';

/**
 * One read buffer for every client socket of the process, as `upstream-connection.ts` has for upstream sockets: a
 * read is parsed (guard, then llhttp) before its callback returns, and nothing keeps its bytes — llhttp hands body
 * chunks over as copies and saves a split head's pieces itself. Node's default read path allocates 64 KB per read,
 * reallocates it to the bytes read, wraps it in an ArrayBuffer and pushes it through the Readable layer to a 'data'
 * listener: about 2 µs of CPU per request at saturation (measured with bench/lib/cpu-per-request.ts).
 */
const CLIENT_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

interface WithHandle { _handle?: { readStart?: unknown } | null }

/**
 * `net.Server` passes no `onread` to the sockets it accepts, and `onread` is only read when a socket is made. So the
 * accepted socket (created paused: `pauseOnConnect`) gives its handle to a new `net.Socket` made with `onread`, and is
 * then destroyed without its handle (which releases the server's count of it; the connection lives on in the new
 * socket). `_handle` is Node's private field: where it is missing or not a stream handle, or with
 * SIPHON_GATEWAY_SHARED_READS=0, undefined comes back and the caller reads the accepted socket through 'data'.
 */
export function adoptWithSharedReads(accepted: Socket, onRead: (d: Buffer) => void): Socket | undefined {
  if (process.env.SIPHON_GATEWAY_SHARED_READS === '0') return undefined;
  const a = accepted as unknown as WithHandle;
  const handle = a._handle;
  if (!handle || typeof handle.readStart !== 'function') return undefined;
  a._handle = null;
  accepted.destroy();
  return new Socket({
    handle, allowHalfOpen: true, readable: true, writable: true,
    onread: { buffer: CLIENT_READ_BUFFER, callback: (n: number, buf: Uint8Array) => { onRead((buf as Buffer).subarray(0, n)); return true; } },
  } as ConstructorParameters<typeof Socket>[0]);
}
