import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DashboardAssetError } from './errors.js';

/**
 * The page's files: our own (next to this module, in `page/`) and uPlot's build, served from the installed package —
 * nothing is fetched from a CDN (the machines it runs on often reach nothing outside). Read once, kept in memory.
 */
export interface Asset { readonly body: Buffer; readonly type: string }

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function pageDir(): string {
  // from the sources: src/dashboard/page; from the compiled package: dist/src/dashboard → the sources' page folder
  const candidates = [join(here, 'page'), join(here, '..', '..', '..', 'src', 'dashboard', 'page')];
  for (const c of candidates) {
    try { readFileSync(join(c, 'index.html')); return c; } catch { /* next */ }
  }
  throw new DashboardAssetError('page/index.html', candidates.join(' or '));
}

function read(path: string, name: string): Buffer {
  try { return readFileSync(path); } catch { throw new DashboardAssetError(name, path); }
}

export function loadAssets(): ReadonlyMap<string, Asset> {
  const page = pageDir();
  const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  return new Map<string, Asset>([
    ['index.html', { body: read(join(page, 'index.html'), 'index.html'), type: 'text/html; charset=utf-8' }],
    ['app.js', { body: read(join(page, 'app.js'), 'app.js'), type: 'text/javascript; charset=utf-8' }],
    ['style.css', { body: read(join(page, 'style.css'), 'style.css'), type: 'text/css; charset=utf-8' }],
    ['uPlot.min.js', { body: read(join(uplotDir, 'uPlot.iife.min.js'), 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
    ['uPlot.min.css', { body: read(join(uplotDir, 'uPlot.min.css'), 'uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
}
