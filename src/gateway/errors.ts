import { SiphonError } from '../errors.js';

/** A route table entry or a gateway setting is invalid: `where` says which (route id / field / flag). */
export class GatewayConfigError extends SiphonError {
  constructor(message: string, where: string, context: Record<string, unknown> = {}) {
    super('CONFIG_GATEWAY', `${where}: ${message}`, { where, ...context });
  }
}

// Route control needs no gateway: its error lives with the route model.
export { RouteControlError } from '../routes/errors.js';

/** The gateway or its admin port cannot listen; `flag` names the setting to change. */
export class GatewayListenError extends SiphonError {
  constructor(readonly flag: '--port' | '--admin-port', host: string, port: number, cause: NodeJS.ErrnoException) {
    super('GATEWAY_LISTEN', `cannot listen on ${host}:${port} (${flag}): ${listenFailure(cause)}`,
      { flag, host, port, errno: cause.code }, { cause });
  }
}

function listenFailure(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EADDRINUSE': return 'the address is already in use (another process listens there)';
    case 'EACCES': return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL': return 'this machine has no such address';
    default: return e.message;
  }
}

/**
 * A cluster worker could not start (its error crossed the IPC channel as code + message): the primary fails with it,
 * keeping the code so a configuration error still exits as one.
 */
export class GatewayWorkerError extends SiphonError {
  constructor(readonly worker: number, code: string, message: string) {
    super(code, `gateway worker ${worker}: ${message}`, { worker });
  }
}

/** Why an upstream exchange failed: the fallback and the 502/504 choice depend on it. */
export type UpstreamFailure =
  | 'connect' | 'connect-timeout' | 'headers-timeout' | 'body-timeout' | 'reset' | 'protocol' | 'aborted' | 'closed'
  | 'queue-timeout';

/** An upstream request failed before or while its answer streamed; `upstream` is the origin, `kind` the cause. */
export class UpstreamError extends SiphonError {
  constructor(readonly kind: UpstreamFailure, readonly upstream: string, message: string, cause?: Error) {
    super('GATEWAY_UPSTREAM', `${upstream}: ${message}`, { kind, upstream, ...(cause ? { cause: cause.message } : {}) });
  }

  get isTimeout(): boolean {
    return this.kind === 'connect-timeout' || this.kind === 'headers-timeout' || this.kind === 'body-timeout'
      || this.kind === 'queue-timeout';
  }
}

/** The request body went past the gateway's limit while streaming (no Content-Length to check up front). */
export class BodyTooLargeError extends SiphonError {
  constructor(readonly limit: number) {
    super('GATEWAY_BODY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`, { limit });
  }
}
