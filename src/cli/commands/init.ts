import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { STARTER_CONFIG, STARTER_FILE } from '../../config/starter.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE } from '../exit-codes.js';
import { err, out } from '../output.js';

interface InitOptions { force?: boolean; dir: string }

/**
 * Creates `dir` and its missing parents one level at a time. (A recursive mkdirSync spins forever under some
 * pseudo file systems such as /proc on Node 20; one level at a time fails cleanly instead.)
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) { missing.unshift(d); d = dirname(d); }
  if (!statSync(d).isDirectory()) throw new Error(`${d} is not a folder`);
  for (const m of missing) mkdirSync(m);
}

function init(opts: InitOptions): number {
  const dir = resolve(opts.dir);
  const file = join(dir, STARTER_FILE);
  if (existsSync(file) && !opts.force) {
    err(`siphon: ${file} already exists; not overwriting it (use --force to replace it)`);
    return EXIT_USAGE;
  }
  try {
    makeDirs(dir);
    writeFileSync(file, STARTER_CONFIG, 'utf8');
  } catch (e) {
    err(`siphon: cannot write ${file}: ${(e as Error).message}`);
    return EXIT_PROBLEMS;
  }
  out(`wrote ${file}`);
  out('next: edit the connection URLs and mappings, then run');
  out(`  npx siphon check -c ${file} --sample 1000`);
  return EXIT_OK;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description(`write a commented starter ${STARTER_FILE}`)
    .option('--force', 'overwrite an existing config file')
    .option('--dir <dir>', 'the folder to write it in', '.')
    .action((opts: InitOptions) => {
      process.exitCode = init(opts);
    });
}
