import { SiphonError } from '../../errors.js';

/** The admin tokens file cannot be used: readable by others, malformed, unreadable. A configuration error (exit 2). */
export class AdminTokenFileError extends SiphonError {
  constructor(readonly file: string, problem: string) {
    super('CONFIG_ADMIN_TOKEN_FILE', `admin token file ${file}: ${problem}`, { file });
  }
}

/** A request to the admin API is malformed (bad JSON, a missing or bad field): HTTP 400. */
export class AdminRequestError extends SiphonError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('ADMIN_BAD_REQUEST', message, context);
  }
}

/** What a request names does not exist (a quarantine item, a verify run): HTTP 404. */
export class AdminNotFoundError extends SiphonError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('ADMIN_NOT_FOUND', message, context);
  }
}

/** An endpoint needs something this admin API was started without (e.g. quarantine retry needs the config). */
export class AdminUnavailableError extends SiphonError {
  constructor(what: string, needs: string) {
    super('ADMIN_UNAVAILABLE', `${what} needs ${needs}; start the admin API with it (siphon admin start -c FILE)`, { what, needs });
  }
}

/** Two endpoints mounted on the same method and path. */
export class AdminMountError extends SiphonError {
  constructor(method: string, path: string) {
    super('ADMIN_MOUNT', `an endpoint is already mounted on ${method} ${path}`, { method, path });
  }
}

/**
 * What the admin API answered with an error, on the client side. It keeps the server's error code, so the CLI's exit
 * code is the same whether it talked to the API or to the store (a usage error stays exit 2).
 */
export class AdminRemoteError extends SiphonError {
  constructor(readonly status: number, code: string, message: string) {
    super(code, message, { status });
  }
}

/** The admin API could not be reached (refused, timeout, not an admin API). */
export class AdminUnreachableError extends SiphonError {
  constructor(url: string, cause: unknown) {
    super('ADMIN_UNREACHABLE', `cannot reach the admin API at ${url}: ${(cause as Error)?.message ?? String(cause)}`, { url }, { cause, retryable: true });
  }
}

/** The admin API cannot listen (port taken, no permission). */
export class AdminListenError extends SiphonError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    super('ADMIN_LISTEN', `admin API cannot listen on ${host}:${port}: ${cause.code === 'EADDRINUSE' ? 'the address is already in use' : cause.message}`,
      { host, port, errno: cause.code }, { cause });
  }
}
