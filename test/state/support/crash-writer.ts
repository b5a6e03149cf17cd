// Child process of the crash test: open the store at argv[2], say "ready", then write one big ledger batch (argv[3]
// entries of entity argv[4]). The parent kills it with SIGKILL while the batch is in flight.
import { openStateStore } from '../../../src/state/open.js';
import { sortableCounter } from '../../../src/state/version-order.js';

const [url, n, entity] = [process.argv[2]!, Number(process.argv[3]), process.argv[4]!];
const store = await openStateStore(url);
const entries = Array.from({ length: n }, (_, i) => ({ entity, key: String(i), state: 'copied' as const, version: sortableCounter(i + 1), origin: 'backfill' as const }));
process.stdout.write('ready\n');
await store.upsertLedger(entries);
process.stdout.write('committed\n');
await store.close();
