import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { siphonEntry } from '../../config/load.js';
import { describeFailure } from '../errors.js';

/** How a verify thread starts: a bundle made for this run, or the tsx entry when no bundle could be made. */
export type ThreadEntry = { readonly url: URL; readonly bundled: boolean; readonly why?: string; dispose(): Promise<void> };

const here = dirname(fileURLToPath(import.meta.url));
/** A module of Siphon's own, as it exists here: TypeScript in a checkout, compiled JavaScript in a package. */
const ownFile = (dir: string, name: string) => { const ts = join(dir, `${name}.ts`); return existsSync(ts) ? ts : join(dir, `${name}.js`); };
let made = 0;

/**
 * One JavaScript file holding the verify thread's code and the user's config module (packages stay outside, loaded
 * from node_modules as usual), written under node_modules/.cache/siphon and removed when the run ends.
 *
 * Why: a thread does not share the main thread's modules. Loading the config and Siphon's modules again through
 * tsx's loader hooks took 1.3–1.6 s per thread on the bench machine (every module a round trip to the hooks thread);
 * the bundle loads in ≈ 0.25 s, and esbuild builds it in ≈ 0.2 s in its own process while the main thread already
 * verifies. Bundling keeps what a module sees: `import.meta.url` (and `dirname`/`filename`) are replaced by the
 * module's own values, and `siphon` resolves to the running siphon as in `loadConfig`. A config that cannot be bundled
 * (a `require()` call, a package not found from Siphon's folder, a syntax esbuild refuses) falls back to the tsx
 * entry, which loads the config exactly as the CLI does: slower to start, same result.
 */
export async function verifyThreadEntry(configFile: string): Promise<ThreadEntry> {
  const fallback = (why: string): ThreadEntry => ({ url: new URL('./verify-thread-entry.mjs', import.meta.url), bundled: false, why, dispose: async () => undefined });
  // an escape hatch (and a way to compare both starts): the threads load the config as the CLI does
  if (process.env.SIPHON_VERIFY_THREAD_BUNDLE === '0') return fallback('SIPHON_VERIFY_THREAD_BUNDLE=0');
  let outfile: string | undefined;
  try {
    const { build } = await import('esbuild');
    const root = join(here, '..', '..', '..');
    const cacheDir = join(existsSync(join(root, 'node_modules')) ? join(root, 'node_modules') : join(root, '..'), '.cache', 'siphon');
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    await removeLeftovers(cacheDir);
    outfile = join(cacheDir, `verify-thread-${process.pid}-${++made}.mjs`);
    const entry = [
      `import exported from ${JSON.stringify(configFile)};`,
      `import { serveVerifyThread } from ${JSON.stringify(ownFile(here, 'verify-thread'))};`,
      `import { configFromExport } from ${JSON.stringify(ownFile(join(here, '..', '..', 'config'), 'from-export'))};`,
      `serveVerifyThread((data) => configFromExport(exported, data.configFile));`,
    ].join('\n');
    const siphon = fileURLToPath(siphonEntry());
    const result = await build({
      stdin: { contents: entry, resolveDir: dirname(configFile), loader: 'ts', sourcefile: 'verify-thread-bundle.ts' },
      bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, write: false,
      logLevel: 'silent', legalComments: 'none', sourcemap: false,
      plugins: [{
        name: 'siphon-thread',
        setup(b) {
          // the config's `import ... from 'siphon'`: the running siphon, bundled in (as loadConfig's resolve hook)
          b.onResolve({ filter: /^siphon$/ }, () => ({ path: siphon }));
          // each module keeps its own import.meta values once bundled into one file
          b.onLoad({ filter: /\.(m?[jt]s|tsx?|jsx)$/ }, async (a) => {
            if (a.path.includes(`${join('node_modules', '')}`)) return undefined;
            const text = await readFile(a.path, 'utf8');
            if (!text.includes('import.meta')) return undefined;
            const url = pathToFileURL(a.path).href;
            const contents = text
              .replaceAll('import.meta.url', JSON.stringify(url))
              .replaceAll('import.meta.dirname', JSON.stringify(dirname(a.path)))
              .replaceAll('import.meta.filename', JSON.stringify(a.path));
            const ext = extname(a.path);
            return { contents, loader: ext === '.ts' || ext === '.mts' || ext === '.cts' ? 'ts' : ext === '.tsx' ? 'tsx' : ext === '.jsx' ? 'jsx' : 'js' };
          });
        },
      }],
    });
    if (result.errors.length) throw new Error(result.errors[0]!.text);
    const text = result.outputFiles![0]!.text;
    // esbuild turns a require() in ESM into a shim that throws when called: load such a config as the CLI does
    if (/\b__require\(/.test(text)) throw new Error('the config calls require()');
    if (text.includes('import.meta')) throw new Error('a module reads import.meta in a way that bundling would change');
    // the config's code may hold secrets (a password in a URL): readable by this user only, like a tokens file
    await writeFile(outfile, text, { mode: 0o600 });
    const file = outfile;
    return { url: pathToFileURL(file), bundled: true, dispose: () => rm(file, { force: true }) };
  } catch (e) {
    if (outfile) await rm(outfile, { force: true }).catch(() => undefined);
    return fallback(`no bundle (${describeFailure(e)})`);
  }
}

/** Bundles left by runs that died before removing theirs (a SIGKILL): their process is gone. */
async function removeLeftovers(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/^verify-thread-(\d+)-\d+\.mjs$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
