import { SiphonError } from '../../errors.js';

/** Errors of the diff, noise and record/replay area. */
export class DiffError extends SiphonError {}

/** A diff, noise or redaction setting is invalid; `where` names the setting (e.g. `noise.ignore["GET /x"][0]`). */
export class DiffConfigError extends DiffError {
  constructor(where: string, message: string) {
    super('CONFIG_DIFF', `${where}: ${message}`, { where });
  }
}

/** A JSON body exceeded the parser's depth or node limit: the body is then compared as bytes. */
export class JsonLimitError extends DiffError {
  constructor(readonly limit: 'nodes' | 'depth', readonly max: number) {
    super('DIFF_JSON_LIMIT', `JSON body exceeds the ${limit} limit of ${max}`, { limit, max });
  }
}

/** Text that is not JSON (the caller then falls back to a text/bytes comparison). */
export class JsonSyntaxError extends DiffError {
  constructor(readonly offset: number, message: string) {
    super('DIFF_JSON_SYNTAX', `invalid JSON at offset ${offset}: ${message}`, { offset });
  }
}
