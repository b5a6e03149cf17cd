/**
 * Test fixture for verify: a legacy MariaDB and a next PostgreSQL database with small tables covering the awkward
 * keys and values, a config mapping them, and `fillNext`: next filled through `mapRow` + `Database.upsert` (a
 * fixture standing in for apply, NOT the system under test).
 */
import { z } from 'zod';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { mapRow } from '../../src/config/map-row.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedConfig, TableMapping } from '../../src/config/types.js';
import { fromPlain, rowToPlain } from '../../src/values/plain.js';
import type { Row } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';

export const LEGACY_DDL = [
  `CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(60) CHARACTER SET utf8mb4, amount DECIMAL(10,3), at DATETIME, note TEXT CHARACTER SET utf8mb4, doc TEXT) ENGINE=InnoDB`,
  // a case-insensitive collation, and keys with trailing spaces
  `CREATE TABLE codes (code VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_general_ci PRIMARY KEY, label VARCHAR(40)) ENGINE=InnoDB`,
  `CREATE TABLE pairs (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT, PRIMARY KEY (a, b)) ENGINE=InnoDB`,
  // no primary key: a NULL-able unique key stands in
  `CREATE TABLE refs (ref VARCHAR(20) NULL, v INT, UNIQUE KEY (ref)) ENGINE=InnoDB`,
];

export const NEXT_DDL = [
  `CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT, amount NUMERIC(10,3), at TIMESTAMPTZ, note TEXT, doc JSONB)`,
  `CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT)`,
  `CREATE TABLE pairs (a INTEGER NOT NULL, b TEXT NOT NULL, v INTEGER, PRIMARY KEY (a, b))`,
  `CREATE TABLE refs (ref TEXT PRIMARY KEY, v INTEGER)`,
];

const plainOr = (v: unknown) => (v === undefined ? null : v);

export function verifyTables(): Record<string, TableMapping> {
  return {
    items: {
      key: 'id',
      to: (r) => ({ items: [{ id: r.id, name: plainOr(r.name), amount: plainOr(r.amount), at: plainOr(r.at), note: plainOr(r.note), doc: r.doc === null || r.doc === undefined ? null : JSON.parse(r.doc as string) }] }),
      clean: [(r, ctx) => ({ ...r, at: typeof r.at === 'string' ? localToIso(r.at, ctx.timezone!) : r.at })],
      schemas: { items: z.object({ id: z.number(), name: z.string().nullable(), amount: z.string().nullable(), at: z.string().nullable(), note: z.string().nullable(), doc: z.unknown() }) },
    },
    codes: { key: 'code', to: (r) => ({ codes: [{ code: r.code, label: plainOr(r.label) }] }), schemas: { codes: z.object({ code: z.string(), label: z.string().nullable() }) } },
    pairs: { key: ['a', 'b'], to: (r) => ({ pairs: [{ a: r.a, b: r.b, v: plainOr(r.v) }] }), schemas: { pairs: z.object({ a: z.number(), b: z.string(), v: z.number().nullable() }) } },
    refs: { key: 'ref', to: (r) => ({ refs: [{ ref: r.ref, v: plainOr(r.v) }] }), schemas: { refs: z.object({ ref: z.string(), v: z.number().nullable() }) } },
  };
}

/** Paris local time → instant (the fixtures' dates are in winter: UTC+1). */
function localToIso(local: string, _zone: string): string {
  return new Date(`${local.slice(0, 19)}+01:00`).toISOString();
}

export interface VerifyFixture {
  readonly legacy: Database;
  readonly next: Database;
  readonly config: ResolvedConfig;
  readonly legacyUrl: string;
  readonly nextUrl: string;
  drop(): Promise<void>;
}

export async function verifyFixture(): Promise<VerifyFixture> {
  const l = await freshDatabase('mysql', 'verify_legacy');
  const n = await freshDatabase('postgres', 'verify_next');
  const legacy = await openDatabase(l.url);
  const next = await openDatabase(n.url);
  for (const s of LEGACY_DDL) await legacy.execute(s);
  for (const s of NEXT_DDL) await next.execute(s);
  const config = resolveConfig({ name: 'verify-test', legacy: { db: l.url, timezone: 'Europe/Paris' }, next: { db: n.url }, tables: verifyTables() });
  const dbs: FreshDatabase[] = [l, n];
  return {
    legacy, next, config, legacyUrl: l.url, nextUrl: n.url,
    drop: async () => { await legacy.close(); await next.close(); for (const d of dbs) await d.drop(); },
  };
}

/** Fills next from legacy through the mapping (the stand-in for apply). */
export async function fillNext(f: VerifyFixture, tables = Object.keys(f.config.tables)): Promise<void> {
  for (const name of tables) {
    const t = f.config.tables[name]!;
    const rows = await f.legacy.query(`SELECT * FROM ${f.legacy.quoteIdent(name)}`);
    const out = new Map<string, Row[]>();
    for (const legacyRow of rows) {
      const r = mapRow(t, rowToPlain(legacyRow), { timezone: 'Europe/Paris' });
      if (!r.ok) continue;
      for (const [nt, plains] of Object.entries(r.rows)) {
        const info = await f.next.describeTable(nt);
        for (const p of plains) {
          const row: Row = {};
          for (const c of info.columns) row[c.name] = fromPlain(p[c.name], c.type);
          (out.get(nt) ?? out.set(nt, []).get(nt)!).push(row);
        }
      }
    }
    for (const [nt, list] of out) await f.next.upsert(nt, (await f.next.describeTable(nt)).primaryKey, list);
  }
}
