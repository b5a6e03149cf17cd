-- Next billing schema, PostgreSQL (foreign keys off, see next/schema.ts)
-- Generated from the TS description by examples/billing/write-sql.ts: do not edit by hand.

CREATE TABLE customers (
  id BIGINT PRIMARY KEY,
  title TEXT CHECK (title IN ('mr', 'mrs', 'miss')),
  last_name TEXT,
  first_name TEXT,
  email TEXT,
  phone TEXT,
  address_line1 TEXT,
  address_line2 TEXT,
  postal_code TEXT,
  city TEXT,
  country CHAR(2),
  status TEXT NOT NULL CHECK (status IN ('prospect', 'active', 'suspended', 'closed')),
  created_at TIMESTAMP(0),
  updated_at TIMESTAMP(0)
);

CREATE TABLE contracts (
  number TEXT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  offer TEXT NOT NULL CHECK (offer IN ('essential', 'comfort', 'premium', 'pro')),
  start_date DATE,
  end_date DATE,
  monthly_amount NUMERIC(10,2),
  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'terminated'))
);

CREATE TABLE invoices (
  number BIGINT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  contract_number TEXT,
  issue_date DATE NOT NULL,
  due_date DATE,
  amount_excl_tax NUMERIC(12,2) NOT NULL,
  vat_rate NUMERIC(5,2) NOT NULL,
  amount_incl_tax NUMERIC(12,2) NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('issued', 'paid', 'reminded', 'litigation', 'cancelled'))
);

CREATE TABLE invoice_lines (
  invoice_number BIGINT NOT NULL,
  line_number INTEGER NOT NULL CHECK (line_number > 0),
  customer_id BIGINT NOT NULL,
  label TEXT,
  quantity NUMERIC(10,3),
  unit_price NUMERIC(10,4),
  amount NUMERIC(12,2) NOT NULL,
  PRIMARY KEY (invoice_number, line_number)
);

CREATE TABLE payments (
  reference TEXT PRIMARY KEY,
  invoice_number BIGINT,
  customer_id BIGINT NOT NULL,
  paid_at TIMESTAMP(0),
  amount NUMERIC(12,2) NOT NULL CHECK (amount > 0),
  method TEXT NOT NULL CHECK (method IN ('direct-debit', 'card', 'cheque', 'transfer', 'cash'))
);

CREATE INDEX contracts_customer ON contracts (customer_id);

CREATE INDEX invoices_customer ON invoices (customer_id, issue_date);

CREATE INDEX invoice_lines_customer ON invoice_lines (customer_id);

CREATE INDEX payments_invoice ON payments (invoice_number);

CREATE INDEX payments_customer ON payments (customer_id);
