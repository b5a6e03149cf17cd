import type { ColumnInfo, Database, SqlParam, TableInfo } from '../backends/types.js';
import type { Row, Value } from '../values/index.js';
import { compareKeys } from '../values/index.js';

/** How keyset pages are ordered (see `OwnKeyset.order`). */
export type KeyOrder = 'index' | 'codepoint';
/** Waits until `rows` more rows may be read (the verifier's throttle). */
export type Admit = (rows: number) => Promise<void>;

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
  /**
   * How `page` orders: `codepoint` through the code-point expressions (always right, but no index serves them on a
   * text key in another collation: each page is then a scan and a sort of the table), or `index` through the plain
   * columns, when their own order is code-point order for this table's keys. Decided on the first page.
   */
  private order: Promise<KeyOrder> | undefined;
  /**
   * The key columns are the primary key or a unique key: no two rows hold keys equal under the column's collation
   * (with 'a' and 'A' equal in a case-insensitive one, a bound `> 'A'` would skip 'a'). Index order needs it.
   */
  private readonly uniqueIndex: boolean;
  /** How long the last page's statement took (ms), the order probe apart: what the throttle judges legacy by. */
  lastPageMs = 0;
  /** The order the last enumeration chose (for reports and tests). */
  orderUsed: KeyOrder | undefined;
  /** Keys read per statement by the order probe. */
  probePageSize = 20_000;

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
    const same = (cols: readonly string[]) => cols.length === key.length && cols.every((c) => key.includes(c));
    this.uniqueIndex = same(info.primaryKey) || info.uniqueKeys.some(same);
  }

  private textual(c: ColumnInfo): boolean {
    return c.type === 'text' || c.type === 'unknown';
  }

  /** Whether the column's own collation is known to sort by code point (its index then serves keyset pages). */
  private codePointCollation(c: ColumnInfo): boolean {
    if (!this.textual(c)) return true;
    const coll = c.collation ?? '';
    switch (this.db.dialect) {
      // NO PAD binary UTF-8: byte order of UTF-8 is code-point order ('a' and 'a ' stay apart)
      case 'mysql': return /^utf8(mb[34])?_(nopad_bin|0900_bin)$/i.test(coll) && /^utf8/i.test(c.charset ?? '');
      // C and POSIX compare bytes; glibc's C.UTF-8 sorts by code point
      case 'postgres': return /^(C|POSIX|C\.UTF-?8|ucs_basic)$/i.test(coll);
      case 'sqlite': return false; // keeps COLLATE BINARY, which its default indexes serve
    }
  }

  /**
   * The order of `page`: `index` when every key column's collation sorts by code point; otherwise a probe reads
   * the keys alone in the index's order and checks them with `compareKeys`: when the existing keys already come in
   * code-point order (the usual case: codes of digits and capitals), the index order is used, with each page's
   * order checked again by the merge join (a key written meanwhile that breaks it makes the pass inconclusive).
   * Any key out of order, and the code-point expressions are used.
   */
  private chooseOrder(admit?: Admit): Promise<KeyOrder> {
    if (!this.order) {
      this.order = (async (): Promise<KeyOrder> => {
        if (this.db.dialect === 'sqlite') return 'codepoint';
        // a code-point collation compares equal only equal bytes: no unique index needed
        if (this.keyCols.every((c) => this.codePointCollation(c))) return 'index';
        if (!this.uniqueIndex) return 'codepoint';
        return (await this.indexOrderIsCodePoint(admit)) ? 'index' : 'codepoint';
      })().then((o) => (this.orderUsed = o));
      this.order.catch(() => { this.order = undefined; }); // a failed probe is retried by the next first page
    }
    return this.order;
  }

  /** Reads every non-NULL key in the index's order, in pages: true when they come in `compareKeys` order. */
  private async indexOrderIsCodePoint(admit?: Admit): Promise<boolean> {
    const cols = this.keyCols.map((c) => this.db.quoteIdent(c.name));
    let after: Value[] | null = null;
    for (;;) {
      await admit?.(this.probePageSize); // throttled like the pages: legacy is spared the probe's reads too
      const where: string[] = this.notNull ? [this.notNull] : [];
      let params: SqlParam[] = [];
      if (after) { const a = this.after(after, 'index'); where.push(a.sql); params = a.params; }
      const rows = await this.db.query(`SELECT ${cols.join(', ')} FROM ${this.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${cols.join(', ')} LIMIT ${this.probePageSize}`, params);
      for (const r of rows) {
        const k = this.keyCols.map((c) => r[c.name] ?? null);
        if (k.some((v) => v !== null && typeof v === 'object' && v.t === 'invalid')) return false; // no plain bound for it
        if (after && compareKeys(k, after) <= 0) return false;
        after = k;
      }
      if (rows.length < this.probePageSize) return true;
    }
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

  /** The expression a page sorts and bounds a key column by, in the given order. */
  private pageExpr(c: ColumnInfo, order: KeyOrder): string {
    return order === 'index' ? this.db.quoteIdent(c.name) : this.orderExpr(c);
  }

  private after(after: readonly Value[], order: KeyOrder = 'codepoint'): { sql: string; params: SqlParam[] } {
    const exprs = this.keyCols.map((c) => this.pageExpr(c, order));
    const param = (c: ColumnInfo, v: Value): SqlParam => (order === 'index' ? v : this.param(c, v));
    if (this.db.dialect === 'postgres' && exprs.length > 1) {
      // row values: PostgreSQL turns them into one index range
      return { sql: `(${exprs.join(', ')}) > (${exprs.map(() => '?').join(', ')})`, params: this.keyCols.map((c, i) => param(c, after[i] ?? null)) };
    }
    const ors: string[] = [];
    const params: SqlParam[] = [];
    for (let i = 0; i < exprs.length; i++) {
      const ands: string[] = [];
      for (let j = 0; j < i; j++) { ands.push(`${exprs[j]} = ?`); params.push(param(this.keyCols[j]!, after[j] ?? null)); }
      ands.push(`${exprs[i]} > ?`); params.push(param(this.keyCols[i]!, after[i] ?? null));
      ors.push(ands.length === 1 ? ands[0]! : `(${ands.join(' AND ')})`);
    }
    return { sql: ors.length === 1 ? ors[0]! : `(${ors.join(' OR ')})`, params };
  }

  /** Up to `limit` rows with a non-NULL key greater than `after` (null: from the very first key), in key order. */
  async page(after: readonly Value[] | null, limit: number, admit?: Admit): Promise<Row[]> {
    // the order is chosen by the first page of an enumeration; a page that comes first with a bound takes code points
    if (after === null) this.order = undefined; // each enumeration looks again: keys change between passes
    const mode: KeyOrder = after === null || this.order ? await this.chooseOrder(admit) : 'codepoint';
    const where: string[] = [];
    let params: SqlParam[] = [];
    if (this.notNull) where.push(this.notNull);
    if (after) { const a = this.after(after, mode); where.push(a.sql); params = a.params; }
    const order = this.keyCols.map((c) => this.pageExpr(c, mode)).join(', ');
    const t0 = Date.now();
    try {
      return await this.db.query(`${this.select}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${Math.max(1, Math.floor(limit))}`, params);
    } finally { this.lastPageMs = Date.now() - t0; }
  }

  /**
   * Whether the key's pages can start anywhere in the table at index speed: every key column sorts by code point in
   * its own collation (or is not text), so a page bounded below needs no order probe and no sort (SQLite: its
   * default indexes serve `COLLATE BINARY`). What a range of the table (`parts.ts`) needs.
   */
  rangeable(): boolean {
    return this.db.dialect === 'sqlite' || this.keyCols.every((c) => this.codePointCollation(c));
  }

  /** Pages bounded below from the first one on, in the order a first page would choose (`rangeable` keys only). */
  beginRange(): void {
    this.order = undefined;
    void this.chooseOrder().catch(() => undefined); // decided without a probe for a rangeable key; awaited by page
  }

  /**
   * The key `skip` keys after `after` (null: from the first key) in page order, or null past the end: a boundary of
   * a table's ranges. One statement that reads keys only, through the key's index (rangeable keys).
   */
  async keyAfter(after: readonly Value[] | null, skip: number): Promise<Value[] | null> {
    const mode: KeyOrder = this.db.dialect === 'sqlite' ? 'codepoint' : 'index';
    const cols = this.keyCols.map((c) => this.db.quoteIdent(c.name));
    const where: string[] = this.notNull ? [this.notNull] : [];
    let params: SqlParam[] = [];
    if (after) { const a = this.after(after, mode); where.push(a.sql); params = a.params; }
    const order = this.keyCols.map((c) => this.pageExpr(c, mode)).join(', ');
    const rows = await this.db.query(`SELECT ${cols.join(', ')} FROM ${this.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT 1 OFFSET ${Math.max(0, Math.floor(skip) - 1)}`, params);
    return rows[0] ? this.keyCols.map((c) => rows[0]![c.name] ?? null) : null;
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
