import { existsSync, statSync } from 'node:fs';
import Module, { register } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ConfigLoadError } from './errors.js';
import { configFromExport } from './from-export.js';
import type { ResolvedConfig } from './types.js';

/** The library entry a config's `import ... from 'siphon'` resolves to (also what a verify thread's bundle uses). */
export { siphonEntry };

export const CONFIG_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/**
 * The library entry of the running siphon: src/index.ts from a checkout (run through tsx), dist/src/index.js from
 * an installed package. A config's `import ... from 'siphon'` resolves to it, wherever the config file lives.
 */
function siphonEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const root = join(dirname(here), '..', '..');
  const candidates = here.endsWith('.ts') ? [join(root, 'src', 'index.ts')] : [join(root, 'src', 'index.js'), join(root, 'index.js')];
  return pathToFileURL(candidates.find((c) => existsSync(c)) ?? candidates[0]!).href;
}

// A module.register resolve hook, as a data: URL so that it needs no file and no compilation. It maps the bare
// specifier `siphon` to the running siphon when normal resolution fails (no node_modules/siphon next to the config):
// a config written by `siphon init` then loads from any folder, and the config gets the same API version as the CLI.
const HOOK = `
let entry;
export function initialize(data) { entry = data.entry; }
export async function resolve(specifier, context, next) {
  if (specifier !== 'siphon') return next(specifier, context);
  try { return await next(specifier, context); }
  catch { return { url: entry, shortCircuit: true }; }
}`;
let hookRegistered = false;
function ensureSiphonResolvable(): void {
  if (hookRegistered) return;
  const entry = siphonEntry();
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`, { data: { entry } });
  // A .ts config outside any "type": "module" package is compiled to CommonJS by tsx, and require() does not go
  // through module.register hooks on Node 20: give the CommonJS resolver the same fallback.
  const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = cjs._resolveFilename;
  const entryPath = fileURLToPath(entry);
  cjs._resolveFilename = function resolveFilename(this: unknown, request: string, ...rest: unknown[]): string {
    try { return original.call(this, request, ...rest); }
    catch (e) { if (request === 'siphon') return entryPath; throw e; }
  };
  hookRegistered = true;
}

function looksLikeSyntaxError(e: unknown): boolean {
  const err = e as { name?: string; message?: string } | undefined;
  return err?.name === 'SyntaxError' || /Transform failed|Expected .* but found|Unexpected token|Unterminated/i.test(err?.message ?? '');
}

/** Imports a config module (TS through tsx) and returns its default export (checked by `configFromExport`). */
async function importConfigModule(file: string): Promise<unknown> {
  ensureSiphonResolvable();
  let mod: { default?: unknown };
  try {
    // tsImport scopes tsx to this import (no global hook) and loads a fresh copy each time, so an edited config is
    // picked up by a long-running process. It handles .js/.mjs too, so 'siphon' resolves the same way for all.
    mod = (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url })) as { default?: unknown };
  } catch (e) {
    const msg = ((e as Error)?.message ?? String(e)).split('\n').slice(0, 8).join('\n');
    if (looksLikeSyntaxError(e)) throw new ConfigLoadError('SYNTAX', file, `syntax error: ${msg}`, e);
    throw new ConfigLoadError('IMPORT', file, `cannot be imported: ${msg}`, e);
  }
  return mod?.default;
}

/**
 * Loads and validates a config file (.ts, .mts, .js or .mjs). The default export is the config, or a function
 * (possibly async) returning it. Every failure is a ConfigError: missing file,
 * unsupported extension, syntax error, failing import, no default export, invalid shape (with field paths).
 */
export async function loadConfig(path: string): Promise<ResolvedConfig> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigLoadError('NOT_FOUND', file, 'file not found (create one with `siphon init`)');
  if (!statSync(file).isFile()) throw new ConfigLoadError('NOT_FOUND', file, 'is not a file');
  const ext = extname(file);
  if (!(CONFIG_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new ConfigLoadError('UNSUPPORTED_FILE', file, `unsupported extension "${ext}"; expected one of ${CONFIG_EXTENSIONS.join(', ')}`);
  }
  return configFromExport(await importConfigModule(file), file);
}
