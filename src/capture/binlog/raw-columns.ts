import type { TableMapEntry } from '@vlasky/zongji';

// zongji's protocol type codes (lib/common.js MysqlTypes)
const VARCHAR = 15, STRING = 254, TINY_BLOB = 249, MEDIUM_BLOB = 250, LONG_BLOB = 251, BLOB = 252, GEOMETRY = 255;
const BLOBS = new Set([TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB]);

interface ZColumn { type: number; charset: string | null }
interface ZSchema { COLUMN_TYPE: string }

/**
 * Make zongji hand over the stored bytes of text and spatial columns instead of its own decoding, so that the binary
 * log goes through the adapter's decoder (`fromMysql`) exactly as SELECT and triggers do. zongji decodes text with
 * iconv (invalid UTF-8 becomes U+FFFD, UTF-8 bytes in a latin1 column become mojibake instead of
 * invalid-encoding) and parses geometry into objects (the stored SRID + WKB is lost). It has no option for raw
 * values; it reads `tableMap.columns[i].charset`, `.type` and `columnSchemas[i].COLUMN_TYPE` for every row, so the
 * table map is adjusted once per TableMap event (idempotent; zongji rebuilds the entry when it refetches it):
 * - TEXT-family (BLOB-coded) columns: charset null → the Buffer as stored;
 * - CHAR/VARCHAR text columns: COLUMN_TYPE read as varbinary → the Buffer as stored;
 * - spatial columns: read as a BLOB → the stored SRID + WKB bytes.
 * ENUM and SET keep zongji's decoding (it maps their index to the definition's label).
 */
export function rawColumns(map: TableMapEntry | undefined): void {
  const cols = map?.columns as unknown as ZColumn[] | undefined;
  const schemas = map?.columnSchemas as unknown as ZSchema[] | undefined;
  if (!cols || !schemas) return;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!, s = schemas[i];
    if (c.type === GEOMETRY) { c.type = BLOB; c.charset = null; continue; }
    if (BLOBS.has(c.type)) { c.charset = null; continue; }
    if ((c.type === VARCHAR || c.type === STRING) && c.charset !== null && c.charset !== undefined && s && /^(var)?char/i.test(s.COLUMN_TYPE)) {
      s.COLUMN_TYPE = 'varbinary';
    }
  }
}
