import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { MY_ADMIN_URL, NATS_URL } from '../support/services.js';

// A small billing-like legacy (MariaDB) with deliberately dirty rows, an empty next (PostgreSQL), and a config
// mapping one onto the other. Dirty rows follow fixed rules so the tests can predict every count.

export const CLIENTS = 1200;
export const INVOICES = 300;
export const dirty = {
  unknownStatus: (i: number) => i % 10 === 3, // STATUT 9: not in the code map
  badBalance: (i: number) => i % 25 === 7, // SOLDE 'n/a': parseDecimal fails
  blankName: (i: number) => i % 50 === 11, // NOM '   ': trimmed to '' then rejected by the schema
  zeroBirth: (i: number) => i % 40 === 21, // NAISS '0000-00-00': an invalid value the schema rejects
  orphanInvoice: (i: number) => i % 30 === 5, // FACTURE.CLI_ID NULL: no entity key
  utf8InLatin1: (i: number) => i % 20 === 9, // VILLE (a latin1 column) holds UTF-8 bytes: read as invalid-encoding
};

export interface CheckFixture {
  readonly dir: string;
  readonly legacy: FreshDatabase;
  readonly next: FreshDatabase;
  readonly user: string;
  /** A user that may only SELECT: no binlog replication, no triggers, so capture is impossible. */
  readonly readOnlyUser: string;
  readonly password: string;
  readonly pgPassword: string;
  /** Writes a config file (name ends .mts) with `edit` applied to its source text; returns its path. */
  writeConfig(name: string, edit?: (text: string) => string): string;
  cleanup(): Promise<void>;
}

const LEGACY_DDL = [
  `CREATE TABLE CLIENT (CLI_ID INT NOT NULL PRIMARY KEY, NOM VARCHAR(80) NOT NULL, CODE_PAYS CHAR(2) NULL,
     STATUT TINYINT NOT NULL, SOLDE VARCHAR(20) NULL, NAISS DATE NULL, EMAIL VARCHAR(120) NULL,
     VILLE VARCHAR(40) CHARACTER SET latin1 NOT NULL, UNIQUE KEY uq_email (EMAIL))`,
  `CREATE TABLE FACTURE (FAC_ID INT NOT NULL PRIMARY KEY, CLI_ID INT NULL, MONTANT DECIMAL(12,2) NOT NULL, EMIS_LE DATETIME NOT NULL)`,
  `CREATE TABLE AUDIT_LOG (ID INT NOT NULL AUTO_INCREMENT PRIMARY KEY, MSG TEXT)`,
];
const NEXT_DDL = [
  `CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, country char(2), status text NOT NULL,
     balance numeric(12,2), born date, city text NOT NULL)`,
  `CREATE TABLE invoices (id integer PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2) NOT NULL, issued_at timestamp NOT NULL)`,
];

const CONFIG = `import { defineMigration, z, clean } from 'siphon';
export default defineMigration({
  name: 'check-fixture',
  legacy: { db: 'mysql://@USER@:\${SIPHON_CHECK_PW}@@HOST@/@LEGACY@', timezone: 'Europe/Paris' },
  next: { db: '@NEXT_URL@' },
  state: 'sqlite:state/state.sqlite',
  log: '@NATS@',
  entities: { customer: { root: 'CLIENT' } },
  tables: {
    CLIENT: {
      key: ['CLI_ID'],
      entity: 'customer',
      clean: [clean.trim(), clean.codeMap('STATUT', { 1: 'active', 2: 'closed' }), clean.parseDecimal('SOLDE'), clean.repairEncoding('VILLE')],
      to: (row) => ({ customers: [{ id: row.CLI_ID, name: row.NOM, country: row.CODE_PAYS, status: row.STATUT, balance: row.SOLDE, born: row.NAISS, city: row.VILLE }] }),
      schemas: {
        customers: z.object({ id: z.number().int(), name: z.string().min(1), country: z.string().length(2).nullable(),
          status: z.string(), balance: z.string().nullable(), born: z.string().nullable(), city: z.string() }),
      },
    },
    FACTURE: {
      key: ['FAC_ID'],
      entity: 'customer',
      entityKey: 'CLI_ID',
      to: (row) => ({ invoices: [{ id: row.FAC_ID, customer_id: row.CLI_ID, amount: row.MONTANT, issued_at: row.EMIS_LE }] }),
      schemas: { invoices: z.object({ id: z.number(), customer_id: z.number(), amount: z.string(), issued_at: z.string() }) },
    },
  },
});
`;

export async function createCheckFixture(): Promise<CheckFixture> {
  const legacy = await freshDatabase('mysql', 'siphon_chk');
  const next = await freshDatabase('postgres', 'siphon_chk');
  const dir = mkdtempSync(join(tmpdir(), 'siphon-check-'));
  const suffix = randomBytes(3).toString('hex');
  const user = `siphon_chk_${suffix}`;
  const password = `Pw_${randomBytes(8).toString('hex')}`;
  const pgPassword = `PgPw_${randomBytes(8).toString('hex')}`; // PostgreSQL trusts local connections: ignored, but must never be printed

  const admin = await mysql.createConnection({ uri: MY_ADMIN_URL, multipleStatements: true });
  try {
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${legacy.name}\`.* TO '${user}'@'%'`);
    await admin.query(`GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${user}'@'%'`);
    await admin.query(`CREATE USER '${user}_ro'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT SELECT ON \`${legacy.name}\`.* TO '${user}_ro'@'%'`);
    await admin.query(`USE \`${legacy.name}\``);
    for (const ddl of LEGACY_DDL) await admin.query(ddl);
    await admin.query(`SET SESSION sql_mode = ''`); // lets the zero dates in, as old MariaDB setups did
    const clients: unknown[][] = [];
    for (let i = 1; i <= CLIENTS; i++) {
      clients.push([
        i, dirty.blankName(i) ? '   ' : ` Client ${i} `, i % 7 === 0 ? null : 'FR', dirty.unknownStatus(i) ? 9 : (i % 2) + 1,
        dirty.badBalance(i) ? 'n/a' : `${i} ${String(i % 1000).padStart(3, '0')},${String(i % 100).padStart(2, '0')}`,
        dirty.zeroBirth(i) ? '0000-00-00' : `19${String(50 + (i % 50)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 9}`,
        i % 3 === 0 ? null : `c${i}@example.test`,
        dirty.utf8InLatin1(i) ? Buffer.from('Orléans', 'utf8') : Buffer.from('Orléans', 'latin1'),
      ]);
    }
    await admin.query('INSERT INTO CLIENT (CLI_ID, NOM, CODE_PAYS, STATUT, SOLDE, NAISS, EMAIL, VILLE) VALUES ?', [clients]);
    const invoices: unknown[][] = [];
    for (let i = 1; i <= INVOICES; i++) {
      invoices.push([i, dirty.orphanInvoice(i) ? null : 1 + (i % CLIENTS), `${i}.${String(i % 100).padStart(2, '0')}`, `2024-03-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00`]);
    }
    await admin.query('INSERT INTO FACTURE (FAC_ID, CLI_ID, MONTANT, EMIS_LE) VALUES ?', [invoices]);
    await admin.query(`INSERT INTO AUDIT_LOG (MSG) VALUES ('x'), ('y')`);
  } finally { await admin.end(); }

  const pc = new pg.Client({ connectionString: next.url });
  await pc.connect();
  try { for (const ddl of NEXT_DDL) await pc.query(ddl); } finally { await pc.end(); }

  const host = new URL(MY_ADMIN_URL).host;
  const nextUrl = new URL(next.url);
  nextUrl.password = pgPassword;
  return {
    dir, legacy, next, user, readOnlyUser: `${user}_ro`, password, pgPassword,
    writeConfig(name, edit = (t) => t) {
      const text = CONFIG.replace('@USER@', user).replace('@HOST@', host).replace('@LEGACY@', legacy.name)
        .replace('@NEXT_URL@', nextUrl.toString()).replace('@NATS@', NATS_URL);
      const file = join(dir, name);
      writeFileSync(file, edit(text));
      return file;
    },
    async cleanup() {
      const a = await mysql.createConnection(MY_ADMIN_URL);
      try { await a.query(`DROP USER IF EXISTS '${user}'@'%', '${user}_ro'@'%'`); } finally { await a.end(); }
      await Promise.all([legacy.drop(), next.drop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
