import { InvalidOffsetError } from '../errors.js';

/** A PostgreSQL log offset: "<transaction id>:<position>", ordered by the pair. */
export interface PgOffset { readonly xid: bigint; readonly pos: bigint }

const RE = /^(\d{1,20}):(\d{1,19})$/;

export function parsePgOffset(text: string, log: string): PgOffset {
  const m = RE.exec(text.trim());
  if (!m) throw new InvalidOffsetError(text, log, '"<transaction id>:<position>" as shown by `siphon log tail`, e.g. 812345:17');
  return { xid: BigInt(m[1]!), pos: BigInt(m[2]!) };
}

export function formatPgOffset(o: PgOffset): string {
  return `${o.xid}:${o.pos}`;
}

export function comparePg(a: PgOffset, b: PgOffset): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  return a.pos === b.pos ? 0 : a.pos < b.pos ? -1 : 1;
}
