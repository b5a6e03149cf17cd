/**
 * The commented starter config `siphon init` writes. It must stay valid: test/cli/fixtures/starter.config.ts is a copy
 * that the project's type check covers, and test/cli/init.int.test.ts checks the copy is identical and loads it.
 * Written raw (so regular expressions keep their backslashes); `\${NAME}` are Siphon's environment references, escaped
 * here so they are not template substitutions, then unescaped.
 */
export const STARTER_CONFIG = String.raw`// Siphon migration config. Check it against your databases with:
//   npx siphon check -c siphon.config.ts            (add --sample 1000 for a dry run of the mappings on real rows)
// Connection URLs: sqlite:PATH, postgres://…, mysql://… or mariadb://…, nats://…
// Secrets stay out of this file: \${NAME} is read from the environment when connecting, and never printed.
import { defineMigration, z, clean } from 'siphon';

export default defineMigration({
  name: 'billing',

  // The legacy system: its database, optionally its HTTP application (for the gateway), and the zone of its
  // zone-less DATETIME values.
  legacy: {
    db: 'mysql://siphon_repl:\${LEGACY_PASSWORD}@127.0.0.1:3306/billing',
    // http: 'http://127.0.0.1:8081',
    timezone: 'Europe/Paris',
  },

  // The new platform.
  next: {
    db: 'postgres://siphon:\${NEXT_PASSWORD}@127.0.0.1:5432/billing',
    // http: 'http://127.0.0.1:8082',
  },

  // Siphon's own stores (these are the defaults, relative to this file's folder).
  // state: 'sqlite:.siphon/state.sqlite',   // or postgres://…
  // log: 'sqlite:.siphon/log.sqlite',       // or postgres://…, nats://…

  // Entities: aggregates migrated, owned and routed as one unit, named after their root legacy table.
  entities: {
    customer: { root: 'CLIENT' },
  },

  // One mapping per legacy table.
  tables: {
    CLIENT: {
      key: ['CLI_ID'],            // primary or unique key columns in legacy
      entity: 'customer',         // the root of customer: its entity key is its key
      // Cleaning steps run in order on the row before to(); a failing step quarantines the row with the reason.
      clean: [
        clean.trim(),                       // every text column (CHAR padding included)
        clean.repairEncoding('NOM'),        // "CrÃ©dit" → "Crédit", only when the repair round-trips
        clean.upper('CODE_PAYS'),
        clean.emptyToNull('EMAIL'),
        clean.zeroDatesToNull('DATE_NAISS'), // MariaDB '0000-00-00' → NULL (explicitly)
        clean.codeMap('STATUT', { 1: 'active', 2: 'suspended', 9: 'closed' }), // unknown code → error naming it
      ],
      // The next rows this legacy row becomes (zero or more per next table). Values are plain JS: integers as
      // number (bigint when large), decimals as exact strings, dates as ISO text.
      to: (row) => ({
        customers: [{
          id: Number(row.CLI_ID),
          name: String(row.NOM),
          country: row.CODE_PAYS === null ? null : String(row.CODE_PAYS),
          email: row.EMAIL === null ? null : String(row.EMAIL),
          status: String(row.STATUT),
        }],
      }),
      // A zod schema per next table: to()'s output is typed and validated by it.
      schemas: {
        customers: z.object({
          id: z.number().int().positive(),
          name: z.string().min(1),
          country: z.string().length(2).nullable(),
          email: z.string().email().nullable(),
          status: z.string().pipe(z.enum(['active', 'suspended', 'closed'])),
        }),
      },
      // nextKeys: { customers: ['id'] },   // default: the next table's primary key
    },

    FACTURE: {
      key: ['FAC_ID'],
      entity: 'customer',
      entityKey: 'CLI_ID',        // which customer an invoice belongs to (a column, or (row) => ...)
      clean: [clean.parseDecimal('MONTANT')], // "1 234,50" → "1234.5" (exact decimal text)
      to: (row) => ({
        invoices: [{ id: Number(row.FAC_ID), customer_id: Number(row.CLI_ID), amount: String(row.MONTANT) }],
      }),
      schemas: {
        invoices: z.object({ id: z.number().int(), customer_id: z.number().int(), amount: z.string().regex(/^-?\d+(\.\d+)?$/) }),
      },
    },
  },
});
`.replaceAll('\\${', '${');

export const STARTER_FILE = 'siphon.config.ts';
