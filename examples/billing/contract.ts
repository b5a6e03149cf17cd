/**
 * The public API contract of the billing system, defined once. The legacy app translates its ugly schema to it, the
 * next app serves it from the clean schema, and tests hold both to it. camelCase fields, clean status names, amounts
 * as JSON numbers with two decimals, dates as YYYY-MM-DD, date-times as local ISO (YYYY-MM-DDTHH:MM:SS).
 * `generatedAt` and `requestId` are natural noise: they differ on every answer, by design.
 */
import { z } from 'zod';

export const CUSTOMER_STATUSES = ['prospect', 'active', 'suspended', 'closed', 'unknown'] as const;
export const CONTRACT_STATUSES = ['pending', 'active', 'suspended', 'terminated', 'unknown'] as const;
export const INVOICE_STATUSES = ['issued', 'paid', 'reminded', 'litigation', 'cancelled', 'unknown'] as const;
export const OFFERS = ['essential', 'comfort', 'premium', 'pro', 'unknown'] as const;
export const PAYMENT_METHODS = ['direct-debit', 'card', 'cheque', 'transfer', 'cash'] as const;
export const TITLES = ['mr', 'mrs', 'miss'] as const;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const isoLocalDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'a local date-time YYYY-MM-DDTHH:MM:SS');
const amount = z.number().refine((n) => Number.isFinite(n) && Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'an amount with at most two decimals');

const envelope = {
  generatedAt: z.string().datetime({ offset: true }),
  requestId: z.string().min(1),
};

export const Address = z.object({
  line1: z.string().nullable(),
  line2: z.string().nullable(),
  postalCode: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().length(2).nullable(),
});
export type Address = z.infer<typeof Address>;

export const Contract = z.object({
  number: z.string(),
  offer: z.enum(OFFERS),
  startDate: isoDate.nullable(),
  endDate: isoDate.nullable(),
  monthlyAmount: amount.nullable(),
  status: z.enum(CONTRACT_STATUSES),
});
export type Contract = z.infer<typeof Contract>;

export const Customer = z.object({
  id: z.number().int().positive(),
  title: z.enum(TITLES).nullable(),
  lastName: z.string().nullable(),
  firstName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  address: Address,
  status: z.enum(CUSTOMER_STATUSES),
  createdAt: isoLocalDateTime.nullable(),
  updatedAt: isoLocalDateTime.nullable(),
});
export type Customer = z.infer<typeof Customer>;

export const CustomerResponse = z.object({ customer: Customer.extend({ contracts: z.array(Contract) }), ...envelope });
export type CustomerResponse = z.infer<typeof CustomerResponse>;

export const InvoiceSummary = z.object({
  number: z.number().int().positive(),
  contractNumber: z.string().nullable(),
  date: isoDate.nullable(),
  dueDate: isoDate.nullable(),
  amountExclTax: amount.nullable(),
  vatRate: z.number().nullable(),
  amountInclTax: amount.nullable(),
  status: z.enum(INVOICE_STATUSES),
});
export type InvoiceSummary = z.infer<typeof InvoiceSummary>;

export const InvoiceListResponse = z.object({ customerId: z.number().int().positive(), invoices: z.array(InvoiceSummary), count: z.number().int(), ...envelope });
export type InvoiceListResponse = z.infer<typeof InvoiceListResponse>;

export const InvoiceLine = z.object({
  lineNumber: z.number().int().positive(),
  label: z.string().nullable(),
  quantity: z.number().nullable(),
  unitPrice: z.number().nullable(),
  amount: amount.nullable(),
});
export type InvoiceLine = z.infer<typeof InvoiceLine>;

export const Payment = z.object({
  reference: z.string(),
  invoiceNumber: z.number().int().nullable(),
  paidAt: isoLocalDateTime.nullable(),
  amount: amount.nullable(),
  method: z.enum([...PAYMENT_METHODS, 'unknown']),
});
export type Payment = z.infer<typeof Payment>;

export const InvoiceResponse = z.object({
  invoice: InvoiceSummary.extend({ customerId: z.number().int().nullable(), lines: z.array(InvoiceLine), payments: z.array(Payment) }),
  ...envelope,
});
export type InvoiceResponse = z.infer<typeof InvoiceResponse>;

/** POST /customers/:id/payments */
export const PaymentRequest = z.object({
  invoiceNumber: z.number().int().positive(),
  amount: amount.refine((n) => n > 0, 'a positive amount'),
  method: z.enum(PAYMENT_METHODS),
}).strict();
export type PaymentRequest = z.infer<typeof PaymentRequest>;
export const PaymentResponse = z.object({ payment: Payment, invoiceStatus: z.enum(INVOICE_STATUSES), ...envelope });
export type PaymentResponse = z.infer<typeof PaymentResponse>;

/** PUT /customers/:id/address */
export const AddressRequest = z.object({
  line1: z.string().min(1).max(60),
  line2: z.string().max(60).nullable().optional(),
  postalCode: z.string().min(4).max(5),
  city: z.string().min(1).max(40),
  country: z.string().length(2),
}).strict();
export type AddressRequest = z.infer<typeof AddressRequest>;

export const HealthResponse = z.object({ status: z.literal('ok'), app: z.enum(['legacy', 'next']), ...envelope });

export const ErrorResponse = z.object({
  error: z.object({ code: z.enum(['not-found', 'bad-request', 'internal', 'unauthorized', 'conflict']), message: z.string() }),
  requestId: z.string(),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;
