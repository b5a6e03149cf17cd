import type { ColumnInfo, Database, SqlParam, TableInfo } from '../backends/types.js';
import type { Row, Value } from '../values/index.js';

/**
 * The verifier's OWN enumeration of a table: its own keyset SQL, its own COUNT(*), its own key lookups. It shares
 * nothing with `Database.streamRows`/`readPage` nor with the backfill's chunk cursor but the adapter's raw `query`
 * (connection and value decoding): a bug in the copier's paging (Ghostferry missed rows with key <= 0 because the
 * copier and the verifier used one cursor) cannot hide itself from the check.
 *
 * Order: text keys in Unicode code-point order (binary UTF-8 bytes), numbers numerically, which is `compareKeys`'s
 * order, so the merge join can trust it. The first page has no lower bound at all (no `> 0`); rows whose key holds a
 * NULL are counted apart (`countNullKeys`): a keyset over them is impossible and they have no key to match.
 */
export class OwnKeyset {
  private readonly table: string;
  private readonly keyCols: readonly ColumnInfo[];
  private readonly select: string;
  private readonly notNull: string;

  constructor(private readonly db: Database, info: TableInfo, key: readonly string[]) {
    this.table = db.quoteIdent(info.name);
    this.keyCols = key.map((k) => {
      const c = info.columns.find((x) => x.name === k);
      if (!c) throw new Error(`${info.name}: key column ${k} does not exist (columns: ${info.columns.map((x) => x.name).join(', ')})`);
      return c;
    });
    this.select = `SELECT ${info.columns.map((c) => db.quoteIdent(c.name)).join(', ')} FROM ${this.table}`;
    const nullable = this.keyCols.filter((c) => c.nullable);
    this.notNull = nullable.map((c) => `${db.quoteIdent(c.name)} IS NOT NULL`).join(' AND ');
  }

  private textual(c: ColumnInfo): boolean {
    return c.type === 'text' || c.type === 'unknown';
  }

  /** The expression that sorts and compares a key column in code-point order. */
  private orderExpr(c: ColumnInfo): string {
    const q = this.db.quoteIdent(c.name);
    if (!this.textual(c)) return q;
    switch (this.db.dialect) {
      // UTF-8 bytes compare in code-point order; VARBINARY has no PAD SPACE ('a' and 'a ' stay two keys)
      case 'mysql': return `CAST(CONVERT(${q} USING utf8mb4) AS BINARY)`;
      case 'postgres': return `(${q} COLLATE "C")`;
      case 'sqlite': return `${q} COLLATE BINARY`;
    }
  }

  /** A bound parameter for `orderExpr(c)`. */
  private param(c: ColumnInfo, v: Value): SqlParam {
    if (this.db.dialect === 'mysql' && this.textual(c) && typeof v === 'string') return Buffer.from(v, 'utf8');
    return v;
  }

  private after(after: readonly Value[]): { sql: string; params: SqlParam[] } {
    const exprs = this.keyCols.map((c) => this.orderExpr(c));
    if (this.db.dialect === 'postgres' && exprs.length > 1) {
      // row values: PostgreSQL turns them into one index range
      return { sql: `(${exprs.join(', ')}) > (${exprs.map(() => '?').join(', ')})`, params: this.keyCols.map((c, i) => this.param(c, after[i] ?? null)) };
    }
    const ors: string[] = [];
    const params: SqlParam[] = [];
    for (let i = 0; i < exprs.length; i++) {
      const ands: string[] = [];
      for (let j = 0; j < i; j++) { ands.push(`${exprs[j]} = ?`); params.push(this.param(this.keyCols[j]!, after[j] ?? null)); }
      ands.push(`${exprs[i]} > ?`); params.push(this.param(this.keyCols[i]!, after[i] ?? null));
      ors.push(ands.length === 1 ? ands[0]! : `(${ands.join(' AND ')})`);
    }
    return { sql: ors.length === 1 ? ors[0]! : `(${ors.join(' OR ')})`, params };
  }

  /** Up to `limit` rows with a non-NULL key greater than `after` (null: from the very first key), in key order. */
  async page(after: readonly Value[] | null, limit: number): Promise<Row[]> {
    const where: string[] = [];
    let params: SqlParam[] = [];
    if (this.notNull) where.push(this.notNull);
    if (after) { const a = this.after(after); where.push(a.sql); params = a.params; }
    const order = this.keyCols.map((c) => this.orderExpr(c)).join(', ');
    return this.db.query(`${this.select}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${Math.max(1, Math.floor(limit))}`, params);
  }

  /** The greatest key below `key` (null when `key` is the first): the exclusive lower bound of a range ending at it. */
  async predecessor(key: readonly Value[]): Promise<Value[] | null> {
    const exprs = this.keyCols.map((c) => this.orderExpr(c));
    const ors: string[] = [];
    const params: SqlParam[] = [];
    for (let i = 0; i < exprs.length; i++) {
      const ands: string[] = [];
      for (let j = 0; j < i; j++) { ands.push(`${exprs[j]} = ?`); params.push(this.param(this.keyCols[j]!, key[j] ?? null)); }
      ands.push(`${exprs[i]} < ?`); params.push(this.param(this.keyCols[i]!, key[i] ?? null));
      ors.push(`(${ands.join(' AND ')})`);
    }
    const where = [this.notNull, `(${ors.join(' OR ')})`].filter(Boolean).join(' AND ');
    const cols = this.keyCols.map((c) => this.db.quoteIdent(c.name)).join(', ');
    const rows = await this.db.query(`SELECT ${cols} FROM ${this.table} WHERE ${where} ORDER BY ${exprs.map((e) => `${e} DESC`).join(', ')} LIMIT 1`, params);
    return rows[0] ? this.keyCols.map((c) => rows[0]![c.name] ?? null) : null;
  }

  /** Every row of the table, NULL keys included. */
  async count(): Promise<number> {
    return countOf(await this.db.query(`SELECT COUNT(*) AS n FROM ${this.table}`));
  }

  /** Rows with a NULL in a key column (a nullable unique key): they cannot be enumerated nor matched by key. */
  async countNullKeys(): Promise<number> {
    const nullable = this.keyCols.filter((c) => c.nullable);
    if (nullable.length === 0) return 0;
    return countOf(await this.db.query(`SELECT COUNT(*) AS n FROM ${this.table} WHERE ${nullable.map((c) => `${this.db.quoteIdent(c.name)} IS NULL`).join(' OR ')}`));
  }

  /** The rows whose `column` equals `value` (an entity's rows in a child table). */
  async byColumn(column: string, value: Value): Promise<Row[]> {
    return this.db.query(`${this.select} WHERE ${this.db.quoteIdent(column)} = ?`, [value]);
  }

  /** The rows with one of these keys (exact, binary match for text), any order. */
  async byKeys(keys: readonly (readonly Value[])[]): Promise<Row[]> {
    const out: Row[] = [];
    const per = Math.max(1, Math.floor(500 / this.keyCols.length));
    for (let i = 0; i < keys.length; i += per) {
      const params: SqlParam[] = [];
      const ors = keys.slice(i, i + per).map((k) => {
        const ands = this.keyCols.map((c, j) => {
          const v = k[j] ?? null;
          const q = this.db.quoteIdent(c.name);
          if (v === null) return `${q} IS NULL`;
          // the plain equality lets the index find candidates, the code-point one makes the match exact
          params.push(v, this.param(c, v));
          return `(${q} = ? AND ${this.orderExpr(c)} = ?)`;
        });
        return ands.length === 1 ? ands[0]! : `(${ands.join(' AND ')})`;
      });
      out.push(...await this.db.query(`${this.select} WHERE ${ors.join(' OR ')}`, params));
    }
    return out;
  }
}

function countOf(rows: readonly Row[]): number {
  const n = rows[0]?.n ?? null;
  if (n !== null && typeof n === 'object' && (n.t === 'int' || n.t === 'dec')) return Number(n.v);
  return Number(n);
}
