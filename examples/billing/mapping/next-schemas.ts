/** zod schemas of the next tables: what `to()` must produce, checked before anything is written. */
import { z } from 'zod';
import { CONTRACT_STATUSES, CUSTOMER_STATUSES, INVOICE_STATUSES, OFFERS, PAYMENT_METHODS, TITLES } from '../contract.js';

const known = <T extends string>(values: readonly T[]) => values.filter((v) => v !== 'unknown') as Exclude<T, 'unknown'>[];
const decimalText = z.string().regex(/^-?\d+(\.\d+)?$/, 'an exact decimal text');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/, 'a local date-time');
const id = z.number().int().positive();

export const customers = z.object({
  id,
  title: z.enum(TITLES).nullable(),
  last_name: z.string().min(1).nullable(),
  first_name: z.string().min(1).nullable(),
  email: z.email().nullable(),
  phone: z.string().nullable(),
  address_line1: z.string().nullable(),
  address_line2: z.string().nullable(),
  postal_code: z.string().regex(/^\d{4,5}$/, 'a postal code').nullable(),
  city: z.string().nullable(),
  country: z.string().length(2).nullable(),
  status: z.enum(known(CUSTOMER_STATUSES)),
  created_at: localDateTime.nullable(),
  updated_at: localDateTime.nullable(),
}).strict();

export const contracts = z.object({
  number: z.string().min(1),
  customer_id: id,
  offer: z.enum(known(OFFERS)),
  start_date: isoDate.nullable(),
  end_date: isoDate.nullable(),
  monthly_amount: decimalText.nullable(),
  status: z.enum(known(CONTRACT_STATUSES)),
}).strict();

export const invoices = z.object({
  number: id,
  customer_id: id,
  contract_number: z.string().nullable(),
  issue_date: isoDate,
  due_date: isoDate.nullable(),
  amount_excl_tax: decimalText,
  vat_rate: decimalText,
  amount_incl_tax: decimalText,
  status: z.enum(known(INVOICE_STATUSES)),
}).strict();

export const invoice_lines = z.object({
  invoice_number: id,
  line_number: id,
  customer_id: id,
  label: z.string().nullable(),
  quantity: decimalText.nullable(),
  unit_price: decimalText.nullable(),
  amount: decimalText,
}).strict();

export const payments = z.object({
  reference: z.string().min(1),
  invoice_number: id.nullable(),
  customer_id: id,
  paid_at: localDateTime.nullable(),
  amount: decimalText.refine((s) => Number(s) > 0, 'a positive amount'),
  method: z.enum(PAYMENT_METHODS),
}).strict();
