/**
 * A schema migration of the state store. Migrations are applied in `id` order at open, each in the same transaction
 * as its `schema_migrations` row, so a store is always at exactly one version. Never edit a released migration: add
 * a new one. PostgreSQL SQL runs with `search_path` set to the store's schema, so it names tables unqualified.
 */
export interface Migration {
  readonly id: number;
  readonly description: string;
  readonly sqlite: string;
  readonly postgres: string;
}
