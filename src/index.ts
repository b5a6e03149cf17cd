// The siphon library API (what `import ... from 'siphon'` gives). One export line per area; add yours below.
export { z } from 'zod';
export * from './config/index.js';
export * from './state/index.js';
