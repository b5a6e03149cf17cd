/** The next app's data access: SQL over the clean schema (PostgreSQL or SQLite). Columns already hold API values. */
import type { Database } from '../../../src/backends/types.js';
import type { Row } from '../../../src/values/value.js';
import { dec } from '../../../src/values/construct.js';
import type { AddressRequest, Contract, InvoiceLine, InvoiceSummary, Payment, PaymentRequest } from '../contract.js';
import { CONTRACT_STATUSES, CUSTOMER_STATUSES, INVOICE_STATUSES, OFFERS, PAYMENT_METHODS, TITLES } from '../contract.js';
import type { BillingRepo, CustomerWithContracts, InvoiceDetail, InvoiceStatus, WriteOptions } from '../http/repo.js';
import { HttpError, nowLocal } from '../http/repo.js';
import { amount, day, int, localDateTime, num, text } from '../http/read-values.js';
import { dryRunnable, newPaymentReference } from '../legacy-app/legacy-repo.js';

function oneOf<T extends string>(values: readonly T[], v: Row[string] | undefined, fallback: T): T {
  return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : fallback;
}

function customerOf(r: Row, contracts: Contract[]): CustomerWithContracts {
  const title = text(r.title);
  return {
    id: int(r.id)!,
    title: title && (TITLES as readonly string[]).includes(title) ? (title as (typeof TITLES)[number]) : null,
    lastName: text(r.last_name),
    firstName: text(r.first_name),
    email: text(r.email),
    phone: text(r.phone),
    address: { line1: text(r.address_line1), line2: text(r.address_line2), postalCode: text(r.postal_code), city: text(r.city), country: text(r.country) },
    status: oneOf(CUSTOMER_STATUSES, r.status, 'unknown'),
    createdAt: localDateTime(r.created_at),
    updatedAt: localDateTime(r.updated_at),
    contracts,
  };
}

const contractOf = (r: Row): Contract => ({
  number: text(r.number)!, offer: oneOf(OFFERS, r.offer, 'unknown'), startDate: day(r.start_date), endDate: day(r.end_date),
  monthlyAmount: amount(r.monthly_amount), status: oneOf(CONTRACT_STATUSES, r.status, 'unknown'),
});

const invoiceOf = (r: Row): InvoiceSummary => ({
  number: int(r.number)!, contractNumber: text(r.contract_number), date: day(r.issue_date), dueDate: day(r.due_date),
  amountExclTax: amount(r.amount_excl_tax), vatRate: num(r.vat_rate), amountInclTax: amount(r.amount_incl_tax),
  status: oneOf(INVOICE_STATUSES, r.status, 'unknown'),
});

const lineOf = (r: Row): InvoiceLine => ({ lineNumber: int(r.line_number)!, label: text(r.label), quantity: num(r.quantity), unitPrice: num(r.unit_price), amount: amount(r.amount) });

const paymentOf = (r: Row): Payment => ({
  reference: text(r.reference)!, invoiceNumber: int(r.invoice_number), paidAt: localDateTime(r.paid_at), amount: amount(r.amount),
  method: oneOf([...PAYMENT_METHODS, 'unknown'] as const, r.method, 'unknown'),
});

export class NextRepo implements BillingRepo {
  constructor(private readonly db: Database) {}

  private async customerIn(db: Database, id: number): Promise<CustomerWithContracts | undefined> {
    const [c] = await db.query('SELECT * FROM customers WHERE id = ?', [id]);
    if (!c) return undefined;
    const contracts = await db.query('SELECT * FROM contracts WHERE customer_id = ? ORDER BY number', [id]);
    return customerOf(c, contracts.map(contractOf));
  }

  getCustomer(id: number): Promise<CustomerWithContracts | undefined> {
    return this.customerIn(this.db, id);
  }

  async listInvoices(customerId: number): Promise<InvoiceSummary[] | undefined> {
    const [c] = await this.db.query('SELECT id FROM customers WHERE id = ?', [customerId]);
    if (!c) return undefined;
    const rows = await this.db.query('SELECT * FROM invoices WHERE customer_id = ? ORDER BY issue_date DESC, number DESC', [customerId]);
    return rows.map(invoiceOf);
  }

  async getInvoice(num: number): Promise<InvoiceDetail | undefined> {
    const [f] = await this.db.query('SELECT * FROM invoices WHERE number = ?', [num]);
    if (!f) return undefined;
    const lines = await this.db.query('SELECT * FROM invoice_lines WHERE invoice_number = ? ORDER BY line_number', [num]);
    const payments = await this.db.query('SELECT * FROM payments WHERE invoice_number = ? ORDER BY reference', [num]);
    return { ...invoiceOf(f), customerId: int(f.customer_id), lines: lines.map(lineOf), payments: payments.map(paymentOf) };
  }

  async recordPayment(customerId: number, req: PaymentRequest, opts: WriteOptions): Promise<{ payment: Payment; invoiceStatus: InvoiceStatus }> {
    return dryRunnable(this.db, opts, async (tx) => {
      const [c] = await tx.query('SELECT id FROM customers WHERE id = ?', [customerId]);
      if (!c) throw new HttpError(404, 'not-found', `customer ${customerId} not found`);
      const [f] = await tx.query('SELECT number, customer_id, amount_incl_tax, status FROM invoices WHERE number = ?', [req.invoiceNumber]);
      if (!f) throw new HttpError(404, 'not-found', `invoice ${req.invoiceNumber} not found`);
      if (int(f.customer_id) !== customerId) throw new HttpError(409, 'conflict', `invoice ${req.invoiceNumber} is not an invoice of customer ${customerId}`);
      if (f.status === 'cancelled') throw new HttpError(409, 'conflict', `invoice ${req.invoiceNumber} is cancelled`);
      const ref = newPaymentReference('NX');
      const paidAt = nowLocal();
      await tx.execute('INSERT INTO payments (reference, invoice_number, customer_id, paid_at, amount, method) VALUES (?, ?, ?, ?, ?, ?)',
        [ref, req.invoiceNumber, customerId, paidAt, dec(req.amount.toFixed(2)), req.method]);
      const [sum] = await tx.query('SELECT SUM(amount) AS paid FROM payments WHERE invoice_number = ?', [req.invoiceNumber]);
      const ttc = amount(f.amount_incl_tax);
      let status = oneOf(INVOICE_STATUSES, f.status, 'unknown');
      if (ttc !== null && (num(sum?.paid) ?? 0) + 0.005 >= ttc && status !== 'paid') {
        await tx.execute(`UPDATE invoices SET status = 'paid' WHERE number = ?`, [req.invoiceNumber]);
        status = 'paid';
      }
      return { payment: { reference: ref, invoiceNumber: req.invoiceNumber, paidAt: paidAt.replace(' ', 'T'), amount: req.amount, method: req.method }, invoiceStatus: status };
    });
  }

  async updateAddress(customerId: number, req: AddressRequest, opts: WriteOptions): Promise<CustomerWithContracts | undefined> {
    return dryRunnable(this.db, opts, async (tx) => {
      const [c] = await tx.query('SELECT id FROM customers WHERE id = ?', [customerId]);
      if (!c) return undefined;
      await tx.execute('UPDATE customers SET address_line1 = ?, address_line2 = ?, postal_code = ?, city = ?, country = ?, updated_at = ? WHERE id = ?',
        [req.line1, req.line2 ?? null, req.postalCode, req.city, req.country.toUpperCase(), nowLocal(), customerId]);
      return this.customerIn(tx, customerId);
    });
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1 AS ok');
  }
}
