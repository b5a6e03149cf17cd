/**
 * The next billing schema: normalised, snake_case, proper types and constraints, for PostgreSQL or SQLite.
 * Statuses are stored by their API names (checked), amounts as exact NUMERIC, dates as DATE, date-times as
 * TIMESTAMP (local time, as legacy kept them).
 *
 * Foreign keys are optional (off by default): during the migration, backfill and capture write tables in log order,
 * so a line can arrive before its invoice; legacy also holds orphans (lines of deleted invoices), which verify and
 * quarantine report. Turn them on for a next system that is already fully migrated.
 */
export type NextDialect = 'postgres' | 'sqlite';

export const NEXT_TABLES = ['customers', 'contracts', 'invoices', 'invoice_lines', 'payments'] as const;
export type NextTableName = (typeof NEXT_TABLES)[number];

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export function nextDdl(dialect: NextDialect, opts: { reset?: boolean; foreignKeys?: boolean } = {}): string[] {
  const ts = dialect === 'postgres' ? 'TIMESTAMP(0)' : 'TIMESTAMP';
  const big = dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
  const fk = (clause: string) => (opts.foreignKeys ? `,\n  ${clause}` : '');
  const out: string[] = [];
  if (opts.reset) for (const t of [...NEXT_TABLES].reverse()) out.push(`DROP TABLE IF EXISTS ${t}${dialect === 'postgres' ? ' CASCADE' : ''}`);
  out.push(`CREATE TABLE customers (
  id ${big} PRIMARY KEY,
  title TEXT CHECK (title IN (${inList(['mr', 'mrs', 'miss'])})),
  last_name TEXT,
  first_name TEXT,
  email TEXT,
  phone TEXT,
  address_line1 TEXT,
  address_line2 TEXT,
  postal_code TEXT,
  city TEXT,
  country CHAR(2),
  status TEXT NOT NULL CHECK (status IN (${inList(['prospect', 'active', 'suspended', 'closed'])})),
  created_at ${ts},
  updated_at ${ts}
)`);
  out.push(`CREATE TABLE contracts (
  number TEXT PRIMARY KEY,
  customer_id ${big} NOT NULL,
  offer TEXT NOT NULL CHECK (offer IN (${inList(['essential', 'comfort', 'premium', 'pro'])})),
  start_date DATE,
  end_date DATE,
  monthly_amount NUMERIC(10,2),
  status TEXT NOT NULL CHECK (status IN (${inList(['pending', 'active', 'suspended', 'terminated'])}))${fk('FOREIGN KEY (customer_id) REFERENCES customers (id)')}
)`);
  out.push(`CREATE TABLE invoices (
  number ${big} PRIMARY KEY,
  customer_id ${big} NOT NULL,
  contract_number TEXT,
  issue_date DATE NOT NULL,
  due_date DATE,
  amount_excl_tax NUMERIC(12,2) NOT NULL,
  vat_rate NUMERIC(5,2) NOT NULL,
  amount_incl_tax NUMERIC(12,2) NOT NULL,
  status TEXT NOT NULL CHECK (status IN (${inList(['issued', 'paid', 'reminded', 'litigation', 'cancelled'])}))${fk('FOREIGN KEY (customer_id) REFERENCES customers (id)')}${fk('FOREIGN KEY (contract_number) REFERENCES contracts (number)')}
)`);
  out.push(`CREATE TABLE invoice_lines (
  invoice_number ${big} NOT NULL,
  line_number INTEGER NOT NULL CHECK (line_number > 0),
  customer_id ${big} NOT NULL,
  label TEXT,
  quantity NUMERIC(10,3),
  unit_price NUMERIC(10,4),
  amount NUMERIC(12,2) NOT NULL,
  PRIMARY KEY (invoice_number, line_number)${fk('FOREIGN KEY (invoice_number) REFERENCES invoices (number)')}
)`);
  out.push(`CREATE TABLE payments (
  reference TEXT PRIMARY KEY,
  invoice_number ${big},
  customer_id ${big} NOT NULL,
  paid_at ${ts},
  amount NUMERIC(12,2) NOT NULL CHECK (amount > 0),
  method TEXT NOT NULL CHECK (method IN (${inList(['direct-debit', 'card', 'cheque', 'transfer', 'cash'])}))${fk('FOREIGN KEY (invoice_number) REFERENCES invoices (number)')}
)`);
  out.push('CREATE INDEX contracts_customer ON contracts (customer_id)');
  out.push('CREATE INDEX invoices_customer ON invoices (customer_id, issue_date)');
  out.push('CREATE INDEX invoice_lines_customer ON invoice_lines (customer_id)');
  out.push('CREATE INDEX payments_invoice ON payments (invoice_number)');
  out.push('CREATE INDEX payments_customer ON payments (customer_id)');
  return out;
}
