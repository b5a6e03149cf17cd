/**
 * The legacy billing schema, described once and rendered as DDL for MariaDB and SQLite.
 *
 * It is deliberately what a 15-year-old back office looks like: upper-case abbreviated French names, CHAR columns,
 * amounts as DECIMAL and (FACTURE.FAC_MT_TTC) as text, magic status numbers, nullable nearly everything, latin1 tables
 * on MariaDB, a composite key (LIGNE_FACT) and a table without a primary key but with a unique key (REGLEMENT).
 * There are no foreign keys: the old application never declared them, which is how orphan rows came to exist.
 */

export type LegacyDialect = 'mysql' | 'sqlite';

/** What the column holds, for the generator and the writers (not the engine type). */
export type LegacyKind = 'int' | 'dec' | 'text' | 'date' | 'datetime';

export interface LegacyColumn {
  readonly name: string;
  readonly kind: LegacyKind;
  /** MariaDB type text. */
  readonly mysql: string;
  /** SQLite declared type (it drives the affinity and the adapter's logical type). */
  readonly sqlite: string;
  readonly nullable: boolean;
  /** MariaDB column character set when it differs from its table's. */
  readonly charset?: 'latin1' | 'utf8mb4';
}

export interface LegacyTable {
  readonly name: string;
  readonly columns: readonly LegacyColumn[];
  readonly primaryKey: readonly string[];
  readonly uniqueKeys: readonly (readonly string[])[];
  /** MariaDB table default character set. */
  readonly charset: 'latin1' | 'utf8mb4';
  /** Secondary indexes the old application added over the years. */
  readonly indexes: readonly (readonly string[])[];
}

const col = (name: string, kind: LegacyKind, mysql: string, nullable = true, charset?: 'latin1' | 'utf8mb4'): LegacyColumn => {
  const sqlite = mysql.replace(/ unsigned$/i, '').replace(/^TINYINT.*/i, 'TINYINT').replace(/^SMALLINT.*/i, 'SMALLINT');
  return charset ? { name, kind, mysql, sqlite, nullable, charset } : { name, kind, mysql, sqlite, nullable };
};

export const CLIENT: LegacyTable = {
  name: 'CLIENT',
  charset: 'latin1',
  columns: [
    col('CLI_ID', 'int', 'INT', false),
    col('CLI_CIV', 'text', 'CHAR(4)'),
    col('CLI_NOM', 'text', 'CHAR(40)'),
    col('CLI_PRENOM', 'text', 'CHAR(30)'),
    col('CLI_ADR1', 'text', 'VARCHAR(60)'),
    col('CLI_ADR2', 'text', 'VARCHAR(60)'),
    col('CLI_CP', 'text', 'CHAR(5)'),
    col('CLI_VILLE', 'text', 'VARCHAR(40)'),
    col('CLI_PAYS', 'text', 'CHAR(2)'),
    // e-mail was added in 2011, with the web portal, in utf8
    col('CLI_EMAIL', 'text', 'VARCHAR(80)', true, 'utf8mb4'),
    col('CLI_TEL', 'text', 'VARCHAR(20)'),
    col('CLI_STATUT', 'int', 'TINYINT'),
    col('CLI_DT_CREA', 'datetime', 'DATETIME'),
    col('CLI_DT_MAJ', 'datetime', 'DATETIME'),
  ],
  primaryKey: ['CLI_ID'],
  uniqueKeys: [],
  indexes: [['CLI_NOM']],
};

export const CONTRAT: LegacyTable = {
  name: 'CONTRAT',
  charset: 'latin1',
  columns: [
    col('CTR_NUM', 'text', 'VARCHAR(12)', false),
    col('CLI_ID', 'int', 'INT'),
    col('CTR_TYPE', 'text', 'CHAR(4)'),
    col('CTR_DT_DEB', 'date', 'DATE'),
    col('CTR_DT_FIN', 'date', 'DATE'),
    col('CTR_MT_MENS', 'dec', 'DECIMAL(10,2)'),
    col('CTR_STATUT', 'text', 'CHAR(1)'),
  ],
  primaryKey: ['CTR_NUM'],
  uniqueKeys: [],
  indexes: [['CLI_ID']],
};

export const FACTURE: LegacyTable = {
  name: 'FACTURE',
  charset: 'latin1',
  columns: [
    col('FAC_NUM', 'int', 'INT', false),
    col('CLI_ID', 'int', 'INT'),
    col('CTR_NUM', 'text', 'VARCHAR(12)'),
    col('FAC_DT', 'date', 'DATE'),
    col('FAC_DT_ECH', 'date', 'DATE'),
    col('FAC_MT_HT', 'dec', 'DECIMAL(12,2)'),
    col('FAC_TX_TVA', 'dec', 'DECIMAL(5,2)'),
    // the TTC amount was a text field of the first version and nobody dared to change it
    col('FAC_MT_TTC', 'text', 'VARCHAR(20)'),
    col('FAC_STATUT', 'int', 'TINYINT'),
  ],
  primaryKey: ['FAC_NUM'],
  uniqueKeys: [],
  indexes: [['CLI_ID'], ['CTR_NUM']],
};

export const LIGNE_FACT: LegacyTable = {
  name: 'LIGNE_FACT',
  charset: 'latin1',
  columns: [
    col('FAC_NUM', 'int', 'INT', false),
    col('LIG_NO', 'int', 'SMALLINT', false),
    // denormalised in 2012 to speed up the customer statement: the line knows its customer
    col('CLI_ID', 'int', 'INT'),
    col('LIG_LIB', 'text', 'VARCHAR(80)'),
    col('LIG_QTE', 'dec', 'DECIMAL(10,3)'),
    col('LIG_PU', 'dec', 'DECIMAL(10,4)'),
    col('LIG_MT', 'dec', 'DECIMAL(12,2)'),
  ],
  primaryKey: ['FAC_NUM', 'LIG_NO'],
  uniqueKeys: [],
  indexes: [['CLI_ID']],
};

export const REGLEMENT: LegacyTable = {
  name: 'REGLEMENT',
  charset: 'latin1',
  columns: [
    col('REG_REF', 'text', 'VARCHAR(20)', false),
    col('FAC_NUM', 'int', 'INT'),
    col('CLI_ID', 'int', 'INT'),
    col('REG_DT', 'datetime', 'DATETIME'),
    col('REG_MT', 'dec', 'DECIMAL(12,2)'),
    col('REG_MODE', 'text', 'CHAR(3)'),
  ],
  // no primary key: the payments table was an import from the bank files; only REG_REF is unique
  primaryKey: [],
  uniqueKeys: [['REG_REF']],
  indexes: [['CLI_ID'], ['FAC_NUM']],
};

/** In dependency order (parents first). */
export const LEGACY_TABLES: readonly LegacyTable[] = [CLIENT, CONTRAT, FACTURE, LIGNE_FACT, REGLEMENT];

export type LegacyTableName = 'CLIENT' | 'CONTRAT' | 'FACTURE' | 'LIGNE_FACT' | 'REGLEMENT';

/** The DDL creating the legacy schema (drop first when `reset`). Statements separated by `;\n`. */
export function legacyDdl(dialect: LegacyDialect, reset = false): string[] {
  const out: string[] = [];
  for (const t of LEGACY_TABLES) {
    if (reset) out.push(`DROP TABLE IF EXISTS ${t.name}`);
    const cols = t.columns.map((c) => {
      const type = dialect === 'mysql' ? c.mysql : c.sqlite;
      const cs = dialect === 'mysql' && c.charset && c.charset !== t.charset ? ` CHARACTER SET ${c.charset}` : '';
      return `  ${c.name} ${type}${cs}${c.nullable ? ' NULL' : ' NOT NULL'}`;
    });
    if (t.primaryKey.length) cols.push(`  PRIMARY KEY (${t.primaryKey.join(', ')})`);
    for (const u of t.uniqueKeys) cols.push(dialect === 'mysql' ? `  UNIQUE KEY UK_${t.name}_${u.join('_')} (${u.join(', ')})` : `  UNIQUE (${u.join(', ')})`);
    const tail = dialect === 'mysql' ? ` ENGINE=InnoDB DEFAULT CHARSET=${t.charset}` : '';
    out.push(`CREATE TABLE ${t.name} (\n${cols.join(',\n')}\n)${tail}`);
    for (const ix of t.indexes) out.push(`CREATE INDEX IX_${t.name}_${ix.join('_')} ON ${t.name} (${ix.join(', ')})`);
  }
  return out;
}
