/**
 * The defects the generator plants, each tagged so that tests can count them. A dirty row carries exactly one
 * defect. Which rows are dirty is drawn from a PRNG stream separate from the data's, with one draw per row whatever
 * the ratio: the same seed gives the same clean content at any ratio, and a higher ratio dirties a superset of rows.
 */
import type { LegacyTableName } from '../legacy/schema.js';

export type DefectKind =
  /** leading or trailing blanks in a text column (the CHAR(n) era, copy-paste from the fixed-width imports) */
  | 'padding'
  /** UTF-8 text stored as Windows-1252 ("HÃ©lÃ¨ne") */
  | 'mojibake'
  /** MariaDB zero date '0000-00-00' (SQLite: the same text) */
  | 'zero-date'
  /** an amount typed in the French format in a text column: '1 234,50' */
  | 'amount-text'
  /** a status code nobody documented (CLI_STATUT 5, CTR_STATUT 'Z', FAC_STATUT 6) */
  | 'unknown-status'
  /** an e-mail address that is not one */
  | 'bad-email'
  /** the row was deleted by hand years ago: absent from the table, its children became orphans */
  | 'deleted'
  /** a row whose parent (customer or invoice) is missing */
  | 'orphan';

export const DEFECT_KINDS: readonly DefectKind[] = ['padding', 'mojibake', 'zero-date', 'amount-text', 'unknown-status', 'bad-email', 'deleted', 'orphan'];

/** Defects planted directly in each table (orphans come from deleted parents). */
export const DEFECTS_BY_TABLE: Readonly<Record<LegacyTableName, readonly DefectKind[]>> = {
  CLIENT: ['padding', 'mojibake', 'zero-date', 'unknown-status', 'bad-email', 'deleted'],
  CONTRAT: ['zero-date', 'unknown-status'],
  FACTURE: ['amount-text', 'zero-date', 'unknown-status', 'deleted'],
  LIGNE_FACT: ['mojibake'],
  REGLEMENT: [],
};

/** What the cleaning steps of the billing mapping do with each defect. */
export const DEFECT_OUTCOME: Readonly<Record<DefectKind, 'cleaned' | 'rejected' | 'absent'>> = {
  padding: 'cleaned',
  mojibake: 'cleaned',
  'zero-date': 'cleaned',
  'amount-text': 'cleaned',
  'unknown-status': 'rejected',
  'bad-email': 'rejected',
  orphan: 'rejected',
  deleted: 'absent',
};

export type DefectCounts = Record<LegacyTableName, Partial<Record<DefectKind, number>>>;

export function emptyDefectCounts(): DefectCounts {
  return { CLIENT: {}, CONTRAT: {}, FACTURE: {}, LIGNE_FACT: {}, REGLEMENT: {} };
}

export function addDefect(counts: DefectCounts, table: LegacyTableName, kind: DefectKind, n = 1): void {
  counts[table][kind] = (counts[table][kind] ?? 0) + n;
}
