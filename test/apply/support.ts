/** Shared set-up of the apply tests: a next database with test tables, a state store, mappings, and change builders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import type { ChangeOp, RowChange } from '../../src/log/change.js';
import { int, type Row } from '../../src/values/index.js';
import { createApplier, type SiphonApplier } from '../../src/apply/index.js';
import type { ApplyItem } from '../../src/apply/types.js';

export const NEXT_DDL = (d: Dialect) => {
  const big = d === 'postgres' ? 'bigint' : 'INTEGER';
  return [
    `CREATE TABLE parents (id ${big} PRIMARY KEY, name text NOT NULL)`,
    `CREATE TABLE children (id ${big} PRIMARY KEY, parent_id ${big} REFERENCES parents (id), label text)`,
    `CREATE TABLE items (id ${big} PRIMARY KEY, name text NOT NULL, qty integer NOT NULL CHECK (qty >= 0))`,
    `CREATE TABLE item_tags (item_id ${big} NOT NULL, tag text NOT NULL, PRIMARY KEY (item_id, tag))`,
    `CREATE TABLE codes (code text PRIMARY KEY, legacy_id ${big} NOT NULL)`,
    `CREATE TABLE soft (id ${big} PRIMARY KEY, v text, deleted_at text)`,
  ];
};

/** Legacy tables: P → parents, C → children (FK), I → items + item_tags (multi-table), K → codes (next key from a value), S → soft (soft delete), T → soft keyed by T.sid. */
export function testConfig(nextUrl: string): ResolvedConfig {
  return resolveConfig({
    name: 't', legacy: { db: 'sqlite::memory:' }, next: { db: nextUrl },
    tables: {
      P: { key: 'id', to: (r: Record<string, unknown>) => ({ parents: [{ id: r.id, name: r.name }] }), schemas: { parents: z.object({ id: z.number(), name: z.string().min(1) }) } },
      C: { key: 'id', to: (r: Record<string, unknown>) => ({ children: [{ id: r.id, parent_id: r.parent_id ?? null, label: r.label ?? null }] }), schemas: { children: z.object({ id: z.number(), parent_id: z.number().nullable(), label: z.string().nullable() }) } },
      I: {
        key: 'id',
        to: (r: Record<string, unknown>) => ({
          items: [{ id: r.id, name: r.name, qty: r.qty }],
          item_tags: String(r.tags ?? '').split(',').filter(Boolean).map((tag) => ({ item_id: r.id, tag })),
        }),
        schemas: { items: z.object({ id: z.number(), name: z.string(), qty: z.number().int() }), item_tags: z.object({ item_id: z.number(), tag: z.string() }) },
      },
      K: { key: 'id', to: (r: Record<string, unknown>) => ({ codes: [{ code: String(r.code).toLowerCase(), legacy_id: r.id }] }), schemas: { codes: z.object({ code: z.string(), legacy_id: z.number() }) } },
      S: { key: 'id', to: (r: Record<string, unknown>) => ({ soft: [{ id: r.id, v: r.v }] }), schemas: { soft: z.object({ id: z.number(), v: z.string() }) }, onDelete: { set: { deleted_at: (at: string) => at } } },
      // T also writes `soft`, keyed by another column (not self-keyed: S, first by name, is soft's self-keyed source)
      T: { key: 'id', to: (r: Record<string, unknown>) => ({ soft: [{ id: r.sid, v: r.v }] }), schemas: { soft: z.object({ id: z.number(), v: z.string() }) } },
    },
  });
}

export interface Harness {
  readonly fresh: FreshDatabase;
  readonly next: Database;
  readonly state: StateStore;
  readonly config: ResolvedConfig;
  applier: SiphonApplier;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export async function harness(dialect: Dialect, ddl: readonly string[] = NEXT_DDL(dialect), config?: (url: string) => ResolvedConfig): Promise<Harness> {
  const fresh = await freshDatabase(dialect);
  const next = await openDatabase(fresh.url);
  for (const s of ddl) await next.execute(s);
  const dir = mkdtempSync(join(tmpdir(), 'siphon-apply-'));
  const state = await openStateStore(`sqlite:${join(dir, 'state.sqlite')}`);
  const cfg = (config ?? testConfig)(fresh.url);
  const h: Harness = {
    fresh, next, state, config: cfg,
    applier: await createApplier({ config: cfg, next, state, backoffMs: 1 }),
    async reopen() { h.applier = await createApplier({ config: cfg, next, state, backoffMs: 1 }); },
    async close() { await h.applier.close(); await next.close(); await state.close(); await fresh.drop(); rmSync(dir, { recursive: true, force: true }); },
  };
  return h;
}

let seq = 0;
/** A trigger-style position (20 digits) from a number: version order is number order. */
export const pos = (n: number) => String(n).padStart(20, '0');

export function change(table: string, op: ChangeOp, id: number, position: number, after: Record<string, unknown> | null, before?: Record<string, unknown> | null): RowChange {
  const toRow = (o: Record<string, unknown> | null | undefined): Row | null => {
    if (!o) return null;
    const r: Row = {};
    for (const [k, v] of Object.entries(o)) r[k] = typeof v === 'number' ? int(v) : (v as Row[string]);
    return r;
  };
  seq++;
  return { kind: 'change', source: 'legacy', table, key: { id: int(id) }, op, before: toRow(before ?? null), after: toRow(after), position: pos(position), txid: null, at: `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000000Z` };
}

export const item = (c: RowChange, origin: ApplyItem['origin'] = 'capture'): ApplyItem => ({ change: c, origin });
export const ins = (table: string, id: number, p: number, after: Record<string, unknown>) => item(change(table, 'insert', id, p, { id, ...after }));
export const upd = (table: string, id: number, p: number, after: Record<string, unknown>) => item(change(table, 'update', id, p, { id, ...after }));
export const del = (table: string, id: number, p: number, before: Record<string, unknown> = {}) => item(change(table, 'delete', id, p, null, { id, ...before }));

/** Rows of a next table, by plain SQL, as plain JS (numbers as numbers), ordered by the first column. */
export async function rows(db: Database, table: string, orderBy = '1'): Promise<Record<string, unknown>[]> {
  const out = await db.query(`SELECT * FROM ${db.quoteIdent(table)} ORDER BY ${orderBy}`);
  return out.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v !== null && typeof v === 'object' && 't' in v && v.t === 'int' ? Number(v.v) : v])));
}
