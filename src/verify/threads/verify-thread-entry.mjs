// Starts a verify thread without a bundle (thread-bundle.ts says when). From a source checkout the thread's code is TypeScript: tsx is registered in this thread
// first (a thread does not inherit the main thread's loader hooks); from an installed package the compiled
// verify-thread.js sits beside this file.
import { existsSync } from 'node:fs';

if (existsSync(new URL('./verify-thread.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./verify-thread-main.js');
