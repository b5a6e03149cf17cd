// Child process of the concurrent-openers test: open (and so migrate) the store at argv[2], print its version.
import { openStateStore } from '../../../src/state/open.js';

const url = process.argv[2];
if (!url) throw new Error('usage: open-store.ts URL');
const store = await openStateStore(url);
try {
  await store.upsertLedger([{ entity: 'opener', key: String(process.pid), state: 'legacy', version: '1', origin: 'backfill' }]);
  process.stdout.write(`${await store.schemaVersion()}\n`);
} finally {
  await store.close();
}
