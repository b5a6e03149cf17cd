import type { AddressInfo, Server } from 'node:net';

/** Listens; a failure to bind (port taken) rejects instead of becoming an unhandled 'error'. */
export function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(server.address() as AddressInfo); });
  });
}

/** Closes the listening socket; resolves once it is closed (open connections are the caller's to end). */
export function stopListening(server: Server): Promise<void> {
  return new Promise((resolve) => { if (!server.listening) resolve(); else server.close(() => resolve()); });
}
