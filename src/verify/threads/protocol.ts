import type { Value } from '../../values/index.js';
import type { TablePart } from '../parts.js';
import type { Difference, TableVerifyReport } from '../types.js';

/**
 * Messages between `siphon verify`'s main thread and its verify threads. A thread loads the config file itself
 * (functions do not cross threads), opens its own connections to legacy and next, and verifies the tables it is
 * given one at a time; everything that touches shared state — the throttle that spares legacy, apply's barrier,
 * quarantine, the result store, the ledger — stays in the main thread and is asked for by message.
 */
export interface ThreadData {
  readonly configFile: string;
  readonly chunkSize?: number;
  readonly maxRounds?: number;
  readonly maxReported?: number;
  /** Next tables written by several legacy tables (their extras are not any one table's). */
  readonly shared: readonly string[];
  /** Whether the main thread wants matched rows (ledger marks) and differences (result store). */
  readonly wantsMatched: boolean;
  readonly wantsDifferences: boolean;
}

export type MatchedRows = readonly { readonly legacyKey: readonly Value[]; readonly entityKey: unknown }[];

/** A question a thread waits on: answered by a `reply` with the same id. */
export type ThreadRequest =
  | { readonly t: 'req'; readonly id: number; readonly op: 'admit'; readonly table: string; readonly rows: number }
  | { readonly t: 'req'; readonly id: number; readonly op: 'settle'; readonly table: string }
  | { readonly t: 'req'; readonly id: number; readonly op: 'quarantine'; readonly table: string }
  | { readonly t: 'req'; readonly id: number; readonly op: 'differences'; readonly table: string; readonly differences: readonly Difference[] }
  | { readonly t: 'req'; readonly id: number; readonly op: 'matched'; readonly table: string; readonly rows: MatchedRows };

export type FromThread =
  | { readonly t: 'ready' }
  | { readonly t: 'start-failed'; readonly message: string }
  | ThreadRequest
  | { readonly t: 'observe'; readonly table: string; readonly readMs: number }
  | { readonly t: 'progress'; readonly table: string; readonly done: number; readonly total: number }
  | { readonly t: 'different'; readonly table: string; readonly entityKey: unknown }
  | { readonly t: 'done'; readonly report: TableVerifyReport }
  /** A usage error (bad --key for this table): the run stops with it, as in the main thread. */
  | { readonly t: 'usage'; readonly option: string; readonly message: string };

export type ToThread =
  /** A table to verify, or one range of it (`part`); `task` names it in the thread's messages (their `table`). */
  | { readonly t: 'table'; readonly name: string; readonly task: string; readonly total?: number; readonly part?: TablePart }
  | { readonly t: 'reply'; readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly t: 'reply'; readonly id: number; readonly ok: false; readonly message: string }
  | { readonly t: 'abort' }
  | { readonly t: 'close' };
