/**
 * The mappings legacy → next of the billing system, shared by both configs (MariaDB → PostgreSQL and SQLite →
 * SQLite). Each legacy table: its key, its entity (`customer`, rooted at CLIENT, every child carries CLI_ID), the
 * cleaning its dirty data needs, and `to()`. Cleaning answers the generator's defects:
 *   padding → trim, mojibake → utf8InLatin1 (MariaDB) / repairEncoding (SQLite), zero dates → zeroDatesToNull, amounts as text → parseDecimal,
 *   magic statuses → codeMap (an undocumented code fails the row: quarantined with the code as reason),
 *   bad e-mails → rejected by the customers schema. Orphans map cleanly here: they are caught when written / verified.
 */
import { codeMap, parseDecimal, repairEncoding, trim, zeroDatesToNull } from '../../../src/config/cleaning/index.js';
import type { PlainRow, TableMapping } from '../../../src/config/types.js';
import { CONTRACT_STATUS, CUSTOMER_STATUS, INVOICE_STATUS, OFFER, PAYMENT_METHOD, TITLE } from '../legacy-app/translate.js';
import * as next from './next-schemas.js';

const n = (v: unknown): number => v as number;
const s = (v: unknown): string | null => (v === undefined ? null : (v as string | null));
/** Plain decimals arrive as exact text already; amounts parsed from text too. */
const d = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** Local date-times: plain 'YYYY-MM-DDTHH:MM:SS.ffffff' → second precision, as legacy stores them. */
const ldt = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, 19) : null);

/** Civility: the three codes of the old screens; anything else was never shown, so it migrates as no title. */
const titleOrNull = (row: PlainRow): PlainRow => ({ ...row, CLI_CIV: typeof row.CLI_CIV === 'string' ? TITLE[row.CLI_CIV] ?? null : null });

/**
 * MariaDB's adapter reads a latin1 value whose bytes are well-formed UTF-8 as invalid('invalid-encoding', hex):
 * ambiguous, so it does not guess. Here we know: the old web portal wrote UTF-8 through a latin1 connection, so those
 * bytes are UTF-8. (On SQLite the same text arrives as "Ã©" mojibake, which repairEncoding undoes.)
 */
export function utf8InLatin1(row: PlainRow): PlainRow {
  let out: PlainRow | undefined;
  // runs for every row: its own keys walked in place (Object.entries built an array per column, per row)
  for (const col in row) {
    if (!Object.prototype.hasOwnProperty.call(row, col)) continue;
    const v = row[col];
    if (typeof v !== 'object' || v === null || (v as { t?: unknown }).t !== 'invalid' || (v as { reason?: unknown }).reason !== 'invalid-encoding') continue;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from((v as { raw: string }).raw, 'hex'));
      (out ??= { ...row })[col] = text;
    } catch { /* not UTF-8 either: left invalid, the row is quarantined with the reason */ }
  }
  return out ?? row;
}

export const billingEntities = { customer: { root: 'CLIENT' } } as const;

export function billingTables() {
  const CLIENT: TableMapping<PlainRow, { customers: typeof next.customers }, 'customer'> = {
    key: 'CLI_ID',
    entity: 'customer',
    clean: [utf8InLatin1, trim(), repairEncoding(), zeroDatesToNull(), codeMap('CLI_STATUT', CUSTOMER_STATUS), titleOrNull],
    to: (r) => ({
      customers: [{
        id: n(r.CLI_ID), title: s(r.CLI_CIV) as 'mr' | 'mrs' | 'miss' | null, last_name: s(r.CLI_NOM), first_name: s(r.CLI_PRENOM),
        email: s(r.CLI_EMAIL), phone: s(r.CLI_TEL), address_line1: s(r.CLI_ADR1), address_line2: s(r.CLI_ADR2), postal_code: s(r.CLI_CP),
        city: s(r.CLI_VILLE), country: s(r.CLI_PAYS), status: r.CLI_STATUT as 'active', created_at: ldt(r.CLI_DT_CREA), updated_at: ldt(r.CLI_DT_MAJ),
      }],
    }),
    schemas: { customers: next.customers },
  };
  const CONTRAT: TableMapping<PlainRow, { contracts: typeof next.contracts }, 'customer'> = {
    key: 'CTR_NUM',
    entity: 'customer',
    entityKey: 'CLI_ID',
    clean: [trim(), zeroDatesToNull(), codeMap('CTR_TYPE', OFFER), codeMap('CTR_STATUT', CONTRACT_STATUS)],
    to: (r) => ({
      contracts: [{
        number: r.CTR_NUM as string, customer_id: n(r.CLI_ID), offer: r.CTR_TYPE as 'pro', start_date: s(r.CTR_DT_DEB), end_date: s(r.CTR_DT_FIN),
        monthly_amount: d(r.CTR_MT_MENS), status: r.CTR_STATUT as 'active',
      }],
    }),
    schemas: { contracts: next.contracts },
  };
  const FACTURE: TableMapping<PlainRow, { invoices: typeof next.invoices }, 'customer'> = {
    key: 'FAC_NUM',
    entity: 'customer',
    entityKey: 'CLI_ID',
    clean: [trim(), zeroDatesToNull(), parseDecimal('FAC_MT_TTC'), codeMap('FAC_STATUT', INVOICE_STATUS)],
    to: (r) => ({
      invoices: [{
        number: n(r.FAC_NUM), customer_id: n(r.CLI_ID), contract_number: s(r.CTR_NUM), issue_date: r.FAC_DT as string, due_date: s(r.FAC_DT_ECH),
        amount_excl_tax: d(r.FAC_MT_HT)!, vat_rate: d(r.FAC_TX_TVA)!, amount_incl_tax: d(r.FAC_MT_TTC)!, status: r.FAC_STATUT as 'paid',
      }],
    }),
    schemas: { invoices: next.invoices },
  };
  const LIGNE_FACT: TableMapping<PlainRow, { invoice_lines: typeof next.invoice_lines }, 'customer'> = {
    key: ['FAC_NUM', 'LIG_NO'],
    entity: 'customer',
    entityKey: 'CLI_ID',
    clean: [utf8InLatin1, trim(), repairEncoding('LIG_LIB')],
    to: (r) => ({
      invoice_lines: [{
        invoice_number: n(r.FAC_NUM), line_number: n(r.LIG_NO), customer_id: n(r.CLI_ID), label: s(r.LIG_LIB), quantity: d(r.LIG_QTE),
        unit_price: d(r.LIG_PU), amount: d(r.LIG_MT)!,
      }],
    }),
    schemas: { invoice_lines: next.invoice_lines },
  };
  const REGLEMENT: TableMapping<PlainRow, { payments: typeof next.payments }, 'customer'> = {
    // no primary key in legacy: the unique key stands in
    key: 'REG_REF',
    entity: 'customer',
    entityKey: 'CLI_ID',
    clean: [trim(), codeMap('REG_MODE', PAYMENT_METHOD)],
    to: (r) => ({
      payments: [{
        reference: r.REG_REF as string, invoice_number: (r.FAC_NUM ?? null) as number | null, customer_id: n(r.CLI_ID), paid_at: ldt(r.REG_DT),
        amount: d(r.REG_MT)!, method: r.REG_MODE as 'card',
      }],
    }),
    schemas: { payments: next.payments },
  };
  return { CLIENT, CONTRAT, FACTURE, LIGNE_FACT, REGLEMENT };
}
