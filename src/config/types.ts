import type { z } from 'zod';
import type { PlainRow } from '../values/plain.js';
import type { StartSection } from './start-schema.js';
import type { AnalysisConfig } from '../control/analysis/config.js';

export type { PlainRow, StartSection };

/** What a cleaning step knows about where it runs (for its error messages). */
export interface CleanContext {
  readonly table: string;
  /** IANA zone of legacy's zone-less date-times, when configured. */
  readonly timezone?: string;
  /**
   * Told when a step cleaned a value by a choice the data did not make (an ambiguous local time taken as the earlier
   * instant): the row still migrates, and the dry run counts and reports each such value. Optional.
   */
  readonly notice?: (notice: CleanNotice) => void;
}

/** A value a cleaning step changed by a rule rather than by its content; reported, never silent. */
export interface CleanNotice {
  readonly step: string;
  readonly column: string;
  /** Stable code, e.g. `ambiguous-local-time`, `nonexistent-local-time`. */
  readonly kind: string;
  /** What was chosen, without the value (reports group by it). */
  readonly message: string;
}

/**
 * A cleaning step: a pure function from a plain row to a plain row (it never mutates its input). Steps compose in
 * the order given in `clean: [...]`. A step that cannot clean a value throws a CleaningError (table, column, value,
 * reason), which becomes a quarantine reason.
 */
export interface CleaningStep {
  /** Step name, used in reasons: `trim`, `codeMap`... */
  readonly kind: string;
  /** The columns it touches; undefined means every column it applies to. */
  readonly columns?: readonly string[];
  apply(row: PlainRow, ctx: CleanContext): PlainRow;
}

/** A hand-written step: any function of the row. */
export type CleaningFunction = (row: PlainRow, ctx: CleanContext) => PlainRow;
export type CleaningStepLike = CleaningStep | CleaningFunction;

/** Any zod schema (zod 4). Validation duck-types `safeParse`, so a config may use its own copy of zod. */
export type AnySchema = z.ZodType;
export type Schemas = Record<string, AnySchema>;

/** What `to(row)` returns: for each next table, zero or more rows (the input type of that table's schema). */
export type NextRows<S extends Schemas> = { [K in keyof S]?: readonly z.input<S[K]>[] };

/**
 * A function type checked bivariantly in its parameter (the method-signature rule), so that a mapping written for a
 * typed row (defineTable with a `row` schema) still fits where a plain-row mapping is expected.
 */
type Bivariant<A, B> = { fn(row: A): B }['fn'];

/** The mapping of one legacy table. `R` is the row `to()` receives, `S` the zod schema of each next table. */
export interface TableMapping<R = PlainRow, S extends Schemas = Schemas, E extends string = string> {
  /** Primary or unique key columns in legacy, in key order. A single column may be given as a string. */
  readonly key: string | readonly string[];
  /** The entity this table's rows belong to (a key of `entities`). */
  readonly entity?: E;
  /**
   * How a row gives its entity key: a column name, or a function of the (cleaned) row. Defaults to the table's key
   * for an entity's root table.
   */
  readonly entityKey?: string | Bivariant<R, unknown>;
  /** Cleaning steps, applied in order to the plain row before `row` validation and `to()`. */
  readonly clean?: readonly CleaningStepLike[];
  /**
   * Optional zod schema of the cleaned legacy row. When given, the row is validated (failures are reasons too) and
   * `to()` receives its typed output.
   */
  readonly row?: z.ZodType<R>;
  /** The next rows this legacy row becomes: zero or more per next table. */
  readonly to: Bivariant<R, NextRows<S>>;
  /** A zod schema per next table that `to()` writes to; the keys name the next tables. */
  readonly schemas: S;
  /** Key columns of each next table (default: its primary key). */
  readonly nextKeys?: { readonly [K in keyof S]?: readonly string[] };
  /**
   * Soft delete: when the legacy row is deleted, the next rows it produced are kept and these columns are set
   * instead (each value a plain value, or a function of the delete's source time, an ISO instant, giving one),
   * converted strictly to each column's type. Every next table of the mapping must have these columns. When the
   * legacy row comes back, rows written by `to()` get NULL in these columns unless `to()` gives them.
   * Default: the produced rows are deleted.
   */
  readonly onDelete?: SoftDelete;
}

/** See TableMapping.onDelete. */
export interface SoftDelete {
  readonly set: Readonly<Record<string, unknown>>;
}

export interface EntityDefinition<T extends string = string> {
  /** The legacy table whose key identifies the entity (a key of `tables`). */
  readonly root: T;
  /**
   * A column of the root table that aspire sets (to the time, or true/1 by its type) when the entity has moved to
   * next, so legacy apps can see who has moved. Default: a line in the `siphon_migrated` table Siphon creates in legacy.
   */
  readonly migratedColumn?: string;
}

export interface LegacySide {
  /** Connection URL: sqlite:PATH, postgres://…, mysql://… or mariadb://…; `${ENV}` references are expanded. */
  readonly db: string;
  /** Base URL of the legacy HTTP application, when the gateway fronts it. */
  readonly http?: string;
  /** IANA zone of legacy's zone-less date-times (e.g. 'Europe/Paris'). */
  readonly timezone?: string;
}

export interface NextSide {
  readonly db: string;
  readonly http?: string;
}

/** The configuration as written by the user (see defineMigration). */
export interface MigrationConfig<E extends string = string, T extends Record<string, Schemas> = Record<string, Schemas>> {
  readonly name: string;
  readonly legacy: LegacySide;
  readonly next: NextSide;
  /** State store: sqlite:PATH (default `sqlite:.siphon/state.sqlite`) or postgres://… */
  readonly state?: string;
  /** Change log: sqlite:PATH (default `sqlite:.siphon/log.sqlite`), postgres://… or nats://… */
  readonly log?: string;
  readonly entities?: { readonly [K in E]: EntityDefinition<Extract<keyof T, string>> };
  readonly tables: { readonly [K in keyof T]: TableMapping<PlainRow, T[K], E> };
  /** What `siphon start -c FILE` runs and how (roles, ports, restart backoff, drain, tracing, log redaction). */
  readonly start?: StartSection;
  /** Canary analysis: defaults for every canary route and per-route overrides (src/control/analysis/config.ts). */
  readonly analysis?: AnalysisConfig;
  /** The control plane's admin API (`siphon admin start`, and the CLI's `--admin`). */
  readonly admin?: AdminSettings;
}

export interface AdminSettings {
  /** Where the CLI finds a running admin API (`http://host:port`); absent: the CLI works on the state store directly. */
  readonly url?: string;
  /** Where `siphon admin start` listens. Default 127.0.0.1:8474. */
  readonly host?: string;
  readonly port?: number;
  /** The tokens file (`ROLE IDENTITY TOKEN` per line, mode 0600); default `.siphon/admin-tokens` beside the config. */
  readonly tokenFile?: string;
}

/** A table mapping after validation: normalised, defaults applied. */
export interface ResolvedTable {
  readonly name: string;
  readonly key: readonly string[];
  readonly entity?: string;
  /** Gives the entity key of a (cleaned, validated) row; undefined when the table belongs to no entity. */
  readonly entityKey?: (row: unknown) => unknown;
  /** Where the entity key comes from, for messages: the column, `function`, or `key (A, B)` for a root table. */
  readonly entityKeySource?: string;
  /** The column named by `entityKey: 'COL'`, when the config names one (checked against legacy). */
  readonly entityKeyColumn?: string;
  readonly clean: readonly CleaningStep[];
  readonly row?: AnySchema;
  readonly to: (row: unknown) => Record<string, readonly unknown[] | undefined>;
  readonly schemas: Readonly<Record<string, AnySchema>>;
  /** Explicit next keys only; the default (the next table's primary key) is found by introspection. */
  readonly nextKeys: Readonly<Record<string, readonly string[]>>;
  /** Soft delete, when configured (TableMapping.onDelete). */
  readonly onDelete?: SoftDelete;
}

/** A validated configuration, ready to use. Relative sqlite: paths are resolved against the config's folder. */
export interface ResolvedConfig {
  readonly name: string;
  /** The file it was loaded from, when loaded from a file. */
  readonly file?: string;
  readonly legacy: LegacySide;
  readonly next: NextSide;
  readonly state: string;
  readonly log: string;
  readonly entities: Readonly<Record<string, EntityDefinition>>;
  readonly tables: Readonly<Record<string, ResolvedTable>>;
  /** As written; `tokenFile` resolved against the config's folder. */
  readonly admin?: AdminSettings;
  /** The `start` section as written (defaults are applied by siphon start). */
  readonly start?: StartSection;
  /** The `analysis` section as validated (policies are resolved per route by `resolvePolicy`). */
  readonly analysis?: AnalysisConfig;
}
