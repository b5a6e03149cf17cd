/**
 * One customer's legacy rows (the customer, 0–3 contracts, their monthly invoices of the billing year with 1–5 lines,
 * the payments), as pure data. Every customer has its own PRNG streams seeded by (seed, customer id), so the rows
 * do not depend on the engine or the batch size; invoice numbers and payment references are global sequences, which
 * makes the first N customers of a bigger run identical to a run with N customers.
 */
import type { LegacyTableName } from '../legacy/schema.js';
import { Prng } from './prng.js';
import type { DefectKind } from './defects.js';
import { DEFECTS_BY_TABLE } from './defects.js';
import { ACCENTED_FIRST_NAMES, ADDRESS_COMPLEMENTS, CITIES, EXTRA_LINES, FIRST_NAMES, MAIL_DOMAINS, MONTHS_FR, OFFERS, STREET_NAMES, STREET_TYPES, SURNAMES } from './pools.js';
import { centsFrench, centsText, dayOf, divRound, formatDateTime, formatDay } from './dates.js';
import { toMojibake } from './mojibake.js';

export type LegacyCell = string | number | null;
export type LegacyRow = Record<string, LegacyCell>;

export interface GeneratedRow {
  readonly table: LegacyTableName;
  readonly row: LegacyRow;
  readonly defect?: DefectKind;
}

/** Global sequences shared by consecutive customers. */
export interface Sequences { nextInvoice: number; nextPayment: number }
export const initialSequences = (): Sequences => ({ nextInvoice: 1_000_001, nextPayment: 1 });

/** The billing year: invoices are monthly, on the 1st, from January to December 2025. */
export const BILLING_YEAR = 2025;
const FIRST_DAY = dayOf(2008, 3, 1);
const LAST_DAY = dayOf(BILLING_YEAR, 12, 31);
const VAT_PERCENT = 20;

const ascii = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
const hasNonAscii = (s: LegacyCell): boolean => typeof s === 'string' && /[^\x00-\x7f]/.test(s);

/**
 * Generate customer `id`. `dirty` is the share of rows carrying a defect. Returns rows in table dependency order
 * (customer, contracts, invoices, lines, payments); rows of a deleted parent are not emitted, only its children.
 */
export function generateCustomer(seed: string | number, id: number, dirty: number, seq: Sequences): GeneratedRow[] {
  const rng = new Prng(`${seed}:${id}`);
  const dirt = new Prng(`${seed}:${id}:dirt`);
  const out: GeneratedRow[] = [];
  /**
   * Three draws per row whatever the ratio (dirty?, which kind, its parameters), so the dirt stream stays aligned
   * across ratios: a higher ratio dirties a superset of rows and leaves the other rows untouched.
   */
  const drawDefect = (table: LegacyTableName, parentGone: boolean): { kind: DefectKind; params: Prng } | undefined => {
    const u = dirt.next(), k = dirt.next(), p = dirt.next();
    const kinds = DEFECTS_BY_TABLE[table];
    if (parentGone) return { kind: 'orphan', params: dirt };
    if (u >= dirty || kinds.length === 0) return undefined;
    return { kind: kinds[Math.floor(k * kinds.length)]!, params: new Prng(p) };
  };

  // ---- the customer
  const [first, civ] = rng.pick(FIRST_NAMES);
  const surname = rng.pick(SURNAMES);
  const [cp, city, country] = rng.weighted<readonly [string, string, string]>(CITIES.map((c) => [c, c[2] === 'FR' ? 10 : 2] as const));
  const created = rng.int(FIRST_DAY, dayOf(BILLING_YEAR, 11, 30));
  const status = rng.weighted([[1, 75], [2, 5], [9, 12], [0, 8]] as const);
  const email = created < dayOf(2011, 6, 1) && rng.chance(0.5) ? null
    : `${ascii(first).toLowerCase()}.${ascii(surname).toLowerCase().replace(/ /g, '')}${rng.chance(0.3) ? rng.int(1, 99) : ''}@${rng.pick(MAIL_DOMAINS)}`;
  const updated = rng.chance(0.7) ? rng.int(created, LAST_DAY) : null;
  const client: LegacyRow = {
    CLI_ID: id,
    CLI_CIV: civ === 'MME' && rng.chance(0.05) ? 'MLLE' : civ,
    CLI_NOM: surname,
    CLI_PRENOM: first,
    CLI_ADR1: `${rng.int(1, 180)}${rng.chance(0.05) ? ' bis' : ''} ${rng.pick(STREET_TYPES)} ${rng.pick(STREET_NAMES)}`,
    CLI_ADR2: rng.chance(0.2) ? rng.pick(ADDRESS_COMPLEMENTS) : null,
    CLI_CP: cp,
    CLI_VILLE: city,
    CLI_PAYS: country,
    CLI_EMAIL: email,
    CLI_TEL: rng.chance(0.9) ? `0${rng.int(1, 7)} ${[0, 0, 0, 0].map(() => String(rng.int(0, 99)).padStart(2, '0')).join(' ')}` : null,
    CLI_STATUT: status,
    CLI_DT_CREA: formatDateTime(created, rng.int(8 * 3600, 19 * 3600)),
    CLI_DT_MAJ: updated === null ? null : formatDateTime(updated, rng.int(8 * 3600, 19 * 3600)),
  };
  const drawn = drawDefect('CLIENT', false);
  const clientDefect = drawn?.kind;
  if (drawn) applyClientDefect(client, drawn.kind, drawn.params);
  const customerGone = clientDefect === 'deleted';
  if (customerGone) out.push({ table: 'CLIENT', row: client, defect: 'deleted' });
  else out.push(clientDefect ? { table: 'CLIENT', row: client, defect: clientDefect } : { table: 'CLIENT', row: client });

  // ---- contracts, invoices, lines, payments
  const nContracts = status === 0 ? 0 : rng.weighted([[1, 65], [2, 25], [3, 10]] as const);
  for (let k = 1; k <= nContracts; k++) {
    const start = Math.min(created + rng.int(0, 400), dayOf(BILLING_YEAR, 12, 1));
    const [offer, offerLabel, prices] = rng.pick(OFFERS);
    const monthly = rng.pick(prices);
    let end: number | null = null;
    if (status === 9 || rng.chance(0.15)) end = Math.min(start + rng.int(90, 3000), LAST_DAY);
    const ctrStatus = end !== null ? 'R' : status === 2 ? 'S' : start >= dayOf(BILLING_YEAR, 11, 1) && rng.chance(0.3) ? 'E' : 'A';
    const ctrNum = `CT${String(id).padStart(7, '0')}-${k}`;
    const contract: LegacyRow = {
      CTR_NUM: ctrNum, CLI_ID: id, CTR_TYPE: offer, CTR_DT_DEB: formatDay(start), CTR_DT_FIN: end === null ? null : formatDay(end),
      CTR_MT_MENS: centsText(monthly), CTR_STATUT: ctrStatus,
    };
    pushRow(out, 'CONTRAT', contract, drawDefect('CONTRAT', customerGone));
    if (ctrStatus === 'E') continue;

    for (let month = 1; month <= 12; month++) {
      const billDay = dayOf(BILLING_YEAR, month, 1);
      if (start > billDay || (end !== null && end < billDay)) continue;
      const facNum = seq.nextInvoice++;
      const lines: LegacyRow[] = [];
      const nExtra = rng.weighted([[0, 45], [1, 30], [2, 15], [3, 7], [4, 3]] as const);
      lines.push({ FAC_NUM: facNum, LIG_NO: 1, CLI_ID: id, LIG_LIB: `Abonnement ${offerLabel} échéance ${MONTHS_FR[month - 1]} ${BILLING_YEAR}`, LIG_QTE: '1.000', LIG_PU: (monthly / 100).toFixed(4), LIG_MT: centsText(monthly) });
      for (let l = 0; l < nExtra; l++) {
        const [label, pu, qtyKind] = rng.pick(EXTRA_LINES);
        const qtyThousandths = qtyKind === 'consumption' ? rng.int(1, 300) * 1000 : 1000;
        const amountCents = divRound(qtyThousandths * pu, 1000 * 100);
        lines.push({ FAC_NUM: facNum, LIG_NO: l + 2, CLI_ID: id, LIG_LIB: label, LIG_QTE: (qtyThousandths / 1000).toFixed(3), LIG_PU: (pu / 10000).toFixed(4), LIG_MT: centsText(amountCents) });
      }
      const ht = lines.reduce((s, l) => s + Math.round(Number(l.LIG_MT) * 100), 0);
      const ttc = divRound(ht * (100 + VAT_PERCENT), 100);
      const facStatus = month === 12 ? 1 : month === 11 ? rng.weighted([[2, 70], [1, 25], [3, 5]] as const) : rng.weighted([[2, 90], [3, 5], [4, 2], [9, 3]] as const);
      const invoice: LegacyRow = {
        FAC_NUM: facNum, CLI_ID: id, CTR_NUM: ctrNum, FAC_DT: formatDay(billDay), FAC_DT_ECH: formatDay(billDay + 15),
        FAC_MT_HT: centsText(ht), FAC_TX_TVA: VAT_PERCENT.toFixed(2), FAC_MT_TTC: centsText(ttc), FAC_STATUT: facStatus,
      };
      const invDefect = drawDefect('FACTURE', customerGone);
      pushRow(out, 'FACTURE', invoice, invDefect);
      const invoiceGone = customerGone || invDefect?.kind === 'deleted';
      for (const line of lines) pushRow(out, 'LIGNE_FACT', line, drawDefect('LIGNE_FACT', invoiceGone));

      const payments: number[] = facStatus === 2 ? [ttc] : facStatus === 3 && rng.chance(0.4) ? [divRound(ttc, 2)] : [];
      for (const amount of payments) {
        const ref = `RG${String(seq.nextPayment++).padStart(9, '0')}`;
        const payment: LegacyRow = {
          REG_REF: ref, FAC_NUM: facNum, CLI_ID: id, REG_DT: formatDateTime(billDay + rng.int(1, 30), rng.int(6 * 3600, 22 * 3600)),
          REG_MT: centsText(amount), REG_MODE: rng.weighted([['PRE', 60], ['CB', 20], ['CHQ', 12], ['VIR', 7], ['ESP', 1]] as const),
        };
        pushRow(out, 'REGLEMENT', payment, drawDefect('REGLEMENT', invoiceGone));
      }
    }
  }
  return out;
}

function pushRow(out: GeneratedRow[], table: LegacyTableName, row: LegacyRow, drawn: { kind: DefectKind } | undefined): void {
  const defect = drawn?.kind;
  if (defect && defect !== 'orphan' && defect !== 'deleted') applyDefect(table, row, defect);
  out.push(defect ? { table, row, defect } : { table, row });
}

function applyClientDefect(row: LegacyRow, kind: DefectKind, dirt: Prng): void {
  switch (kind) {
    case 'padding':
      // CHAR columns lose trailing blanks on MariaDB, so padding there is leading; VARCHAR keeps trailing blanks
      if (dirt.chance(0.5)) row.CLI_NOM = `  ${row.CLI_NOM}`;
      else row.CLI_VILLE = `${row.CLI_VILLE}   `;
      return;
    case 'mojibake': {
      if (!['CLI_PRENOM', 'CLI_ADR1', 'CLI_ADR2', 'CLI_VILLE'].some((c) => hasNonAscii(row[c]!))) {
        const [name, civ] = dirt.pick(ACCENTED_FIRST_NAMES);
        row.CLI_PRENOM = name; row.CLI_CIV = civ;
      }
      for (const c of ['CLI_PRENOM', 'CLI_ADR1', 'CLI_ADR2', 'CLI_VILLE']) if (hasNonAscii(row[c]!)) row[c] = toMojibake(row[c] as string);
      return;
    }
    case 'zero-date': row.CLI_DT_MAJ = '0000-00-00 00:00:00'; return;
    case 'unknown-status': row.CLI_STATUT = 5; return;
    case 'bad-email': {
      const base = typeof row.CLI_EMAIL === 'string' ? row.CLI_EMAIL : `${ascii(String(row.CLI_PRENOM)).toLowerCase()}@orange.fr`;
      const form = dirt.int(0, 2);
      row.CLI_EMAIL = form === 0 ? base.replace(/\.[a-z]+$/, '') : form === 1 ? base.replace('@', '.') : base.replace('.', ' ');
      return;
    }
    case 'deleted': return;
    default: throw new Error(`defect ${kind} does not apply to CLIENT`);
  }
}

function applyDefect(table: LegacyTableName, row: LegacyRow, kind: DefectKind): void {
  const key = `${table}:${kind}`;
  switch (key) {
    case 'CONTRAT:zero-date': row.CTR_DT_FIN = '0000-00-00'; return;
    case 'CONTRAT:unknown-status': row.CTR_STATUT = 'Z'; return;
    case 'FACTURE:amount-text': row.FAC_MT_TTC = centsFrench(Math.round(Number(row.FAC_MT_TTC) * 100)); return;
    case 'FACTURE:zero-date': row.FAC_DT_ECH = '0000-00-00'; return;
    case 'FACTURE:unknown-status': row.FAC_STATUT = 6; return;
    case 'LIGNE_FACT:mojibake': row.LIG_LIB = toMojibake(String(row.LIG_LIB)); return;
    default: throw new Error(`defect ${kind} does not apply to ${table}`);
  }
}
