import type { z } from 'zod';
import type { MigrationConfig, PlainRow, Schemas, TableMapping } from './types.js';

/**
 * Declares a migration. Typing only: validation happens when the file is loaded (loadConfig), so that every problem
 * is reported with the path of the bad field rather than as an exception thrown while importing the file.
 *
 * Each table's `schemas` type its `to(row)`: `to` must return, per next table, rows that the schema accepts as input.
 * `entity` must name one of `entities`, and each entity's `root` one of `tables`.
 */
export function defineMigration<const E extends string, const T extends Record<string, Schemas>>(
  config: MigrationConfig<E, T>,
): MigrationConfig<E, T> {
  return config;
}

/**
 * One table mapping whose legacy row is typed by a zod schema: `to(row)` and `entityKey(row)` receive the schema's
 * output (after cleaning and validation). Without a `row` schema the row is a PlainRow (values are `unknown`).
 */
export function defineTable<RS extends z.ZodType<PlainRow>, S extends Schemas, E extends string = string>(
  mapping: TableMapping<z.output<RS>, S, E> & { readonly row: RS },
): TableMapping<z.output<RS>, S, E> {
  return mapping;
}
