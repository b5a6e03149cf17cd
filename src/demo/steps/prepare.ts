import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoStep } from '../types.js';

/** The demo's own files, recreated on every run (nothing else in the folder is touched). */
export const DEMO_FILES = ['legacy.sqlite', 'next.sqlite', 'log.sqlite', 'state.sqlite'];

export const prepareStep: DemoStep = {
  id: 'prepare',
  title: 'Prepare the demo folder',
  async run(ctx) {
    mkdirSync(ctx.options.dir, { recursive: true });
    for (const f of DEMO_FILES) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(join(ctx.options.dir, f + suffix), { force: true });
    return { summary: `embedded SQLite only, in ${ctx.options.dir}`, details: { dir: ctx.options.dir, legacy: ctx.legacyUrl, next: ctx.nextUrl, log: ctx.logUrl, state: ctx.stateUrl } };
  },
};
