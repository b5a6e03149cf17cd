import BetterSqlite3 from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { z } from 'zod';
import { openDatabase } from '../../src/backends/open.js';
import type { ColumnInfo, Database, Dialect, TableInfo } from '../../src/backends/types.js';
import { WriteValueError } from '../../src/backends/errors.js';
import { mapRow } from '../../src/config/map-row.js';
import type { ResolvedTable } from '../../src/config/types.js';
import { nextColumnType } from '../../src/config/next-schema/column-type.js';
import { fromPlain, int, rowToPlain, valueEquals, type Row, type Value } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { fidelityTable } from './fixtures.js';

/** Load the fixture of an engine into a fresh database, through the engine's own driver (session settings included). */
export async function loadFixture(dialect: Dialect): Promise<FreshDatabase> {
  const fx = fidelityTable(dialect);
  const fresh = await freshDatabase(dialect, 'siphon_fid');
  const statements = [...fx.create, ...fx.session, ...fx.inserts];
  switch (dialect) {
    case 'mysql': {
      const c = await mysql.createConnection(fresh.url);
      try { for (const s of statements) await c.query(s); } finally { await c.end(); }
      break;
    }
    case 'postgres': {
      const c = new pg.Client({ connectionString: fresh.url });
      await c.connect();
      try { for (const s of statements) await c.query(s); } finally { await c.end(); }
      break;
    }
    case 'sqlite': {
      const db = new BetterSqlite3(fresh.name);
      try { for (const s of statements) db.exec(s); } finally { db.close(); }
      break;
    }
  }
  return fresh;
}

/** Narrow next columns each value of a matching kind is also tried into: where next refuses or would change values. */
const NARROW: Record<'postgres' | 'sqlite', Partial<Record<ColumnInfo['type'], readonly [string, string][]>>> = {
  postgres: {
    int: [['n_int', 'smallint']], dec: [['n_dec', 'numeric(5,2)']], float: [['n_flt', 'real']],
    text: [['n_txt', 'varchar(3)'], ['n_chr', 'char(4)']], time: [['n_tm', 'time(0)']],
  },
  sqlite: { dec: [['n_dec', 'DECIMAL(5,2)']], text: [['n_txt', 'VARCHAR(3)']] },
};

export interface Verdict { readonly where: string; readonly clean: boolean; readonly reason?: string }

/**
 * Takes every value of the legacy fixture through the dry run (mapRow against next's introspected columns) and
 * through a real write into next. Clean values are upserted and read back: they must come back equal. Refused
 * values: the write path (upsert) must refuse them too, and when the value has a canonical form for the column, a raw
 * INSERT bypassing Siphon's checks must show that the engine refuses or changes it (so no refusal is gratuitous).
 * Returns the disagreements (none expected) and every verdict.
 */
export async function dryRunVersusWrite(legacyDialect: Dialect, nextDialect: 'postgres' | 'sqlite'): Promise<{ mismatches: string[]; verdicts: Verdict[] }> {
  const legacyFresh = await loadFixture(legacyDialect);
  const nextFresh = await freshDatabase(nextDialect, 'siphon_fidn');
  const legacy = await openDatabase(legacyFresh.url);
  const next = await openDatabase(nextFresh.url);
  const mismatches: string[] = [];
  const verdicts: Verdict[] = [];
  try {
    const fx = fidelityTable(legacyDialect);
    const info = await legacy.describeTable(fx.table);
    const rows = await legacy.readByKeys(fx.table, ['id'], fx.rows.map((r) => [int(r.id)]));
    const cols = info.columns.filter((c) => c.name !== 'id');
    const narrow = NARROW[nextDialect];
    const extra = [...new Map(Object.values(narrow).flat().map(([n, t]) => [n, t])).entries()];
    const q = (n: string) => next.quoteIdent(n);
    const defs = [`${q('id')} BIGINT PRIMARY KEY`, ...cols.map((c) => `${q(c.name)} ${nextColumnType(c, nextDialect)}`), ...extra.map(([n, t]) => `${q(n)} ${t}`)];
    await next.execute(`CREATE TABLE fid (${defs.join(', ')})`);
    const nextInfo = await next.describeTable('fid');
    let seq = 0;
    for (const row of rows) {
      const plain = rowToPlain(row);
      for (const c of cols) {
        const targets = [c.name, ...(narrow[c.type] ?? []).map(([n]) => n)];
        for (const target of targets) {
          const id = ++seq;
          const where = `${legacyDialect} row ${String(plain.id)} ${c.nativeType} ${c.name} → ${nextDialect} ${nextInfo.columns.find((x) => x.name === target)!.nativeType} ${target}`;
          await judgeOne(where, id, plain, c.name, target, info, nextInfo, next, mismatches, verdicts);
        }
      }
    }
  } finally {
    await legacy.close(); await next.close();
    await legacyFresh.drop(); await nextFresh.drop();
  }
  return { mismatches, verdicts };
}

async function judgeOne(where: string, id: number, plain: Record<string, unknown>, source: string, target: string, legacyInfo: TableInfo,
  nextInfo: TableInfo, next: Database, mismatches: string[], verdicts: Verdict[]): Promise<void> {
  const table: ResolvedTable = {
    name: legacyInfo.name, key: ['id'], clean: [], schemas: { fid: z.any() }, nextKeys: {},
    to: (r) => ({ fid: [{ id, [target]: (r as Record<string, unknown>)[source] }] }),
  };
  const result = mapRow(table, plain, { nextTables: { fid: nextInfo }, nextDialect: next.dialect, nextKeys: { fid: ['id'] }, legacy: legacyInfo });
  const col = nextInfo.columns.find((c) => c.name === target)!;
  if (result.ok) {
    verdicts.push({ where, clean: true });
    const written = result.values!.fid![0]!;
    try { await next.upsert('fid', ['id'], [written]); } catch (e) {
      mismatches.push(`${where}: the dry run said clean, the write failed: ${(e as Error).message.slice(0, 200)}`);
      return;
    }
    const back = (await next.readByKeys('fid', ['id'], [[int(id)]]))[0];
    if (!back || !sameValue(back[target] ?? null, written[target] ?? null)) {
      mismatches.push(`${where}: the dry run said clean, written ${show(written[target])} read back ${show(back?.[target])}`);
    }
    return;
  }
  const reason = result.failures.map((f) => f.reason).join('; ');
  verdicts.push({ where, clean: false, reason });
  let value: Value;
  try { value = fromPlain(bitsPlain(plain, legacyInfo, source), col.type); } catch { return; } // no canonical form for this column: refused by kind
  if (value !== null && typeof value === 'object' && value.t === 'invalid') return;
  // the write path refuses it too
  try {
    await next.upsert('fid', ['id'], [{ id: int(id), [target]: value } as Row]);
    mismatches.push(`${where}: the dry run refused (${reason}), the write accepted it`);
    return;
  } catch (e) {
    if (!(e instanceof WriteValueError)) mismatches.push(`${where}: the write failed with an engine error instead of a reason: ${(e as Error).message.slice(0, 160)}`);
  }
  // and the refusal is deserved: the engine itself refuses or changes the value
  try {
    await next.execute(`INSERT INTO fid (${next.quoteIdent('id')}, ${next.quoteIdent(target)}) VALUES (?, ?)`, [int(id), value]);
  } catch { return; }
  const back = (await next.readByKeys('fid', ['id'], [[int(id)]]))[0];
  if (back && sameValue(back[target] ?? null, value)) mismatches.push(`${where}: refused (${reason}) yet the engine keeps ${show(value)} unchanged`);
}

/** Same value, strictly: NaN equals NaN. */
function sameValue(a: Value, b: Value): boolean {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && a.t === 'float' && b.t === 'float') {
    return Object.is(a.v, b.v) || (Number.isNaN(a.v) && Number.isNaN(b.v));
  }
  return valueEquals(a, b);
}

function bitsPlain(plain: Record<string, unknown>, info: TableInfo, col: string): unknown {
  const c = info.columns.find((x) => x.name === col)!;
  const v = plain[col];
  return /^bit\b/i.test(c.nativeType) && typeof v === 'string' && /^[01]+$/.test(v) ? Number(BigInt(`0b${v}`)) : v;
}

function show(v: Value | undefined): string {
  return v === undefined ? 'nothing' : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x))?.slice(0, 120) ?? 'undefined';
}
