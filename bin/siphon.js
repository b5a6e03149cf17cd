#!/usr/bin/env node
// The `siphon` command. From a source checkout it runs the TypeScript sources through tsx (no build step needed
// after `npm ci`); from an installed package it runs the compiled `dist/`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { endAs, flagsCommand, missingNodeFlags, reexecWithFlags, watchParent } from './node-flags.js';

// a command that runs with V8 flags (verify: a larger young generation; gateway start: no memory reducer) starts
// itself again with them, before loading anything else
const flags = missingNodeFlags(flagsCommand(process.argv.slice(2)));
if (flags.length > 0) endAs(await reexecWithFlags(flags, fileURLToPath(import.meta.url), process.argv.slice(2)));
else {
  watchParent();
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const source = join(root, 'src', 'cli', 'main.ts');
  let main;
  if (existsSync(source)) {
    const { register } = await import('tsx/esm/api');
    register();
    main = await import(pathToFileURL(source).href);
  } else {
    main = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'main.js')).href);
  }
  // a closed stdout (`siphon log tail | head -1`) ends the command quietly instead of with an EPIPE stack trace
  main.guardClosedPipes();
  process.exitCode = await main.run(process.argv);
}
