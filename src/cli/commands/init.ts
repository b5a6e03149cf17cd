import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { STARTER_CONFIG, STARTER_FILE } from '../../config/starter.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { err, out } from '../output.js';

interface InitOptions { force?: boolean; dir: string }

function init(opts: InitOptions): number {
  const dir = resolve(opts.dir);
  const file = join(dir, STARTER_FILE);
  if (existsSync(file) && !opts.force) {
    err(`siphon: ${file} already exists; not overwriting it (use --force to replace it)`);
    return EXIT_USAGE;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, STARTER_CONFIG, 'utf8');
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
