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

/** A question a thread waits on: answered by a `reply` with the same id; `task` says whose hooks answer it. */
export type ThreadRequest =
  | { readonly t: 'req'; readonly id: number; readonly op: 'admit'; readonly task: string; readonly rows: number }
  | { readonly t: 'req'; readonly id: number; readonly op: 'settle'; readonly task: string }
  | { readonly t: 'req'; readonly id: number; readonly op: 'quarantine'; readonly task: string }
  | { readonly t: 'req'; readonly id: number; readonly op: 'differences'; readonly task: string; readonly differences: readonly Difference[] }
  | { readonly t: 'req'; readonly id: number; readonly op: 'matched'; readonly task: string; readonly rows: MatchedRows };

export type FromThread =
  | { readonly t: 'ready' }
  | { readonly t: 'start-failed'; readonly message: string }
  | ThreadRequest
  | { readonly t: 'observe'; readonly task: string; readonly readMs: number }
  | { readonly t: 'progress'; readonly task: string; readonly done: number; readonly total: number }
  | { readonly t: 'different'; readonly task: string; readonly entityKey: unknown }
  | { readonly t: 'done'; readonly report: TableVerifyReport }
  /** A usage error (bad --key for this table): the run stops with it, as in the main thread. */
  | { readonly t: 'usage'; readonly option: string; readonly message: string };

export type ToThread =
  /** A table to verify, or one range of it (`part`); `task` (the table's name, or `TABLE#i` for a range) names it in the thread's messages. */
  | { readonly t: 'table'; readonly name: string; readonly task: string; readonly total?: number; readonly part?: TablePart }
  | { readonly t: 'reply'; readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly t: 'reply'; readonly id: number; readonly ok: false; readonly message: string }
  | { readonly t: 'abort' }
  | { readonly t: 'close' };
