/** The legacy app's data access: SQL over the legacy schema (MariaDB or SQLite), translated to the contract. */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../../src/backends/types.js';
import type { Row } from '../../../src/values/value.js';
import { dec } from '../../../src/values/construct.js';
import type { AddressRequest, Contract, InvoiceLine, InvoiceSummary, Payment, PaymentRequest } from '../contract.js';
import type { BillingRepo, CustomerWithContracts, InvoiceDetail, InvoiceStatus, WriteOptions } from '../http/repo.js';
import { DryRunRollback, HttpError, nowLocal } from '../http/repo.js';
import { amount, day, int, localDateTime, num, text } from '../http/read-values.js';
import { CONTRACT_STATUS, CUSTOMER_STATUS, INVOICE_STATUS, OFFER, PAYMENT_METHOD, TITLE, invert, lookup } from './translate.js';

const code = (v: Row[string] | undefined): string | number | null => (typeof v === 'string' ? v : int(v));

function customerOf(r: Row, contracts: Contract[]): CustomerWithContracts {
  const t = text(r.CLI_CIV);
  return {
    id: int(r.CLI_ID)!,
    title: t ? TITLE[t] ?? null : null,
    lastName: text(r.CLI_NOM),
    firstName: text(r.CLI_PRENOM),
    email: text(r.CLI_EMAIL),
    phone: text(r.CLI_TEL),
    address: { line1: text(r.CLI_ADR1), line2: text(r.CLI_ADR2), postalCode: text(r.CLI_CP), city: text(r.CLI_VILLE), country: text(r.CLI_PAYS) },
    status: lookup(CUSTOMER_STATUS, code(r.CLI_STATUT)),
    createdAt: localDateTime(r.CLI_DT_CREA),
    updatedAt: localDateTime(r.CLI_DT_MAJ),
    contracts,
  };
}

const contractOf = (r: Row): Contract => ({
  number: text(r.CTR_NUM)!,
  offer: lookup(OFFER, text(r.CTR_TYPE)),
  startDate: day(r.CTR_DT_DEB),
  endDate: day(r.CTR_DT_FIN),
  monthlyAmount: amount(r.CTR_MT_MENS),
  status: lookup(CONTRACT_STATUS, text(r.CTR_STATUT)),
});

const invoiceOf = (r: Row): InvoiceSummary => ({
  number: int(r.FAC_NUM)!,
  contractNumber: text(r.CTR_NUM),
  date: day(r.FAC_DT),
  dueDate: day(r.FAC_DT_ECH),
  amountExclTax: amount(r.FAC_MT_HT),
  vatRate: num(r.FAC_TX_TVA),
  amountInclTax: amount(r.FAC_MT_TTC),
  status: lookup(INVOICE_STATUS, code(r.FAC_STATUT)),
});

const lineOf = (r: Row): InvoiceLine => ({ lineNumber: int(r.LIG_NO)!, label: text(r.LIG_LIB), quantity: num(r.LIG_QTE), unitPrice: num(r.LIG_PU), amount: amount(r.LIG_MT) });

const paymentOf = (r: Row): Payment => ({
  reference: text(r.REG_REF)!, invoiceNumber: int(r.FAC_NUM), paidAt: localDateTime(r.REG_DT), amount: amount(r.REG_MT),
  method: lookup(PAYMENT_METHOD, text(r.REG_MODE)),
});

/** Payment references typed by the web screens: 'WB' + time + random, unique without a sequence table. */
export const newPaymentReference = (prefix: string): string => `${prefix}${Date.now().toString(36).toUpperCase()}${randomBytes(3).toString('hex').toUpperCase()}`;

const METHOD_CODE = invert(PAYMENT_METHOD);

export class LegacyRepo implements BillingRepo {
  constructor(private readonly db: Database) {}

  private async customerIn(db: Database, id: number): Promise<CustomerWithContracts | undefined> {
    const [c] = await db.query('SELECT * FROM CLIENT WHERE CLI_ID = ?', [id]);
    if (!c) return undefined;
    const contracts = await db.query('SELECT * FROM CONTRAT WHERE CLI_ID = ? ORDER BY CTR_NUM', [id]);
    return customerOf(c, contracts.map(contractOf));
  }

  getCustomer(id: number): Promise<CustomerWithContracts | undefined> {
    return this.customerIn(this.db, id);
  }

  async listInvoices(customerId: number): Promise<InvoiceSummary[] | undefined> {
    const [c] = await this.db.query('SELECT CLI_ID FROM CLIENT WHERE CLI_ID = ?', [customerId]);
    if (!c) return undefined;
    const rows = await this.db.query('SELECT * FROM FACTURE WHERE CLI_ID = ? ORDER BY FAC_DT DESC, FAC_NUM DESC', [customerId]);
    return rows.map(invoiceOf);
  }

  async getInvoice(num: number): Promise<InvoiceDetail | undefined> {
    const [f] = await this.db.query('SELECT * FROM FACTURE WHERE FAC_NUM = ?', [num]);
    if (!f) return undefined;
    const lines = await this.db.query('SELECT * FROM LIGNE_FACT WHERE FAC_NUM = ? ORDER BY LIG_NO', [num]);
    const payments = await this.db.query('SELECT * FROM REGLEMENT WHERE FAC_NUM = ? ORDER BY REG_REF', [num]);
    return { ...invoiceOf(f), customerId: int(f.CLI_ID), lines: lines.map(lineOf), payments: payments.map(paymentOf) };
  }

  async recordPayment(customerId: number, req: PaymentRequest, opts: WriteOptions): Promise<{ payment: Payment; invoiceStatus: InvoiceStatus }> {
    return dryRunnable(this.db, opts, async (tx) => {
      const [c] = await tx.query('SELECT CLI_ID FROM CLIENT WHERE CLI_ID = ?', [customerId]);
      if (!c) throw new HttpError(404, 'not-found', `customer ${customerId} not found`);
      const [f] = await tx.query('SELECT FAC_NUM, CLI_ID, FAC_MT_TTC, FAC_STATUT FROM FACTURE WHERE FAC_NUM = ?', [req.invoiceNumber]);
      if (!f) throw new HttpError(404, 'not-found', `invoice ${req.invoiceNumber} not found`);
      if (int(f.CLI_ID) !== customerId) throw new HttpError(409, 'conflict', `invoice ${req.invoiceNumber} is not an invoice of customer ${customerId}`);
      if (int(f.FAC_STATUT) === 9) throw new HttpError(409, 'conflict', `invoice ${req.invoiceNumber} is cancelled`);
      const ref = newPaymentReference('WB');
      const paidAt = nowLocal();
      await tx.execute('INSERT INTO REGLEMENT (REG_REF, FAC_NUM, CLI_ID, REG_DT, REG_MT, REG_MODE) VALUES (?, ?, ?, ?, ?, ?)',
        [ref, req.invoiceNumber, customerId, paidAt, dec(req.amount.toFixed(2)), METHOD_CODE[req.method]]);
      const [sum] = await tx.query('SELECT SUM(REG_MT) AS PAID FROM REGLEMENT WHERE FAC_NUM = ?', [req.invoiceNumber]);
      const ttc = amount(f.FAC_MT_TTC);
      let status = lookup(INVOICE_STATUS, code(f.FAC_STATUT));
      if (ttc !== null && (num(sum?.PAID) ?? 0) + 0.005 >= ttc && status !== 'paid') {
        await tx.execute('UPDATE FACTURE SET FAC_STATUT = 2 WHERE FAC_NUM = ?', [req.invoiceNumber]);
        status = 'paid';
      }
      const payment: Payment = { reference: ref, invoiceNumber: req.invoiceNumber, paidAt: paidAt.replace(' ', 'T'), amount: req.amount, method: req.method };
      return { payment, invoiceStatus: status };
    });
  }

  async updateAddress(customerId: number, req: AddressRequest, opts: WriteOptions): Promise<CustomerWithContracts | undefined> {
    return dryRunnable(this.db, opts, async (tx) => {
      const [c] = await tx.query('SELECT CLI_ID FROM CLIENT WHERE CLI_ID = ?', [customerId]);
      if (!c) return undefined;
      await tx.execute('UPDATE CLIENT SET CLI_ADR1 = ?, CLI_ADR2 = ?, CLI_CP = ?, CLI_VILLE = ?, CLI_PAYS = ?, CLI_DT_MAJ = ? WHERE CLI_ID = ?',
        [req.line1, req.line2 ?? null, req.postalCode, req.city, req.country.toUpperCase(), nowLocal(), customerId]);
      return this.customerIn(tx, customerId);
    });
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1 AS ok');
  }
}

/** Run a write in a transaction; in dry-run mode, roll it back and return what it would have answered. */
export async function dryRunnable<T>(db: Database, opts: WriteOptions, fn: (tx: Database) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      const result = await fn(tx);
      if (opts.dryRun) throw new DryRunRollback(result);
      return result;
    });
  } catch (e) {
    if (e instanceof DryRunRollback) return e.result as T;
    throw e;
  }
}
