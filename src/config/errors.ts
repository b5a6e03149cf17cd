import { SiphonError } from '../errors.js';

/** One problem in a configuration, located by the path of the bad field (e.g. `tables.CLIENT.key`). */
export interface ConfigIssue {
  /** Dotted path of the field; `(root)` for the whole document. */
  readonly path: string;
  /** The whole line shown to the user: `path: what is wrong`. */
  readonly message: string;
  readonly expected?: string;
  readonly found?: string;
}

/**
 * Every configuration problem is a ConfigError (code `CONFIG_*`): the CLI turns these into exit code 2. The message
 * names the file and each bad field path.
 */
export class ConfigError extends SiphonError {
  readonly issues: readonly ConfigIssue[];
  constructor(code: string, message: string, issues: readonly ConfigIssue[] = [], context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code.startsWith('CONFIG_') ? code : `CONFIG_${code}`, message, { ...context, issues }, options);
    this.issues = issues;
  }
}

/** The config file could not be found, compiled or imported, or has no usable default export. */
export class ConfigLoadError extends ConfigError {
  constructor(
    readonly kind: 'NOT_FOUND' | 'UNSUPPORTED_FILE' | 'SYNTAX' | 'IMPORT' | 'NO_DEFAULT_EXPORT',
    readonly file: string,
    detail: string,
    cause?: unknown,
  ) {
    super(`CONFIG_${kind}`, `config ${file}: ${detail}`, [{ path: '(root)', message: detail }], { file }, cause === undefined ? undefined : { cause });
  }
}

function listIssues(where: string, issues: readonly ConfigIssue[]): string {
  const head = `${where}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`;
  return [head, ...issues.map((i) => `  ${i.message}`)].join('\n');
}

/** The loaded object does not have the shape of a migration config (zod validation). */
export class ConfigValidationError extends ConfigError {
  constructor(issues: readonly ConfigIssue[], file?: string) {
    super('CONFIG_INVALID', listIssues(file ? `invalid config ${file}` : 'invalid config', issues), issues, file ? { file } : {});
  }
}

/** The config does not match the databases it names (missing table or column, key not a key...). */
export class ConfigMappingError extends ConfigError {
  constructor(issues: readonly ConfigIssue[], file?: string) {
    super('CONFIG_MAPPING', listIssues(file ? `config ${file} does not match the databases` : 'config does not match the databases', issues), issues, file ? { file } : {});
  }
}
