/** What each app implements over its own schema; the HTTP layer is shared so that both serve one contract. */
import type { AddressRequest, Contract, Customer, InvoiceLine, InvoiceSummary, Payment, PaymentRequest } from '../contract.js';
import type { INVOICE_STATUSES } from '../contract.js';

export type CustomerWithContracts = Customer & { contracts: Contract[] };
export type InvoiceDetail = InvoiceSummary & { customerId: number | null; lines: InvoiceLine[]; payments: Payment[] };
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export interface WriteOptions {
  /** Validate and do everything, then roll back (shadowed writes: header X-Siphon-Dry-Run: 1). */
  readonly dryRun: boolean;
}

export interface BillingRepo {
  getCustomer(id: number): Promise<CustomerWithContracts | undefined>;
  /** undefined when the customer does not exist. */
  listInvoices(customerId: number): Promise<InvoiceSummary[] | undefined>;
  getInvoice(num: number): Promise<InvoiceDetail | undefined>;
  /** Throws HttpError 404 (customer/invoice) or 409 (invoice of another customer, cancelled invoice). */
  recordPayment(customerId: number, req: PaymentRequest, opts: WriteOptions): Promise<{ payment: Payment; invoiceStatus: InvoiceStatus }>;
  /** undefined when the customer does not exist. */
  updateAddress(customerId: number, req: AddressRequest, opts: WriteOptions): Promise<CustomerWithContracts | undefined>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: 'not-found' | 'bad-request' | 'internal' | 'unauthorized' | 'conflict', message: string) {
    super(message);
  }
}

/** Thrown inside a transaction to roll a dry-run write back. */
export class DryRunRollback<T> extends Error {
  constructor(readonly result: T) { super('dry run: rolled back'); }
}

/** The zone of the billing system's local date-times (the legacy servers ran on Paris time; the config says so too). */
export const BILLING_ZONE = 'Europe/Paris';

/** Local date-time now in the billing zone, second precision, as the apps write it: 'YYYY-MM-DD HH:MM:SS'. */
export function nowLocal(now = new Date()): string {
  // the sv-SE locale formats as ISO 'YYYY-MM-DD HH:MM:SS'
  return now.toLocaleString('sv-SE', { timeZone: BILLING_ZONE, hourCycle: 'h23' }).replace(',', '');
}
