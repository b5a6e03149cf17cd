// The configuration API: what a siphon.config.ts uses, and what the CLI and the engine use to load it.
export { defineMigration, defineTable } from './define.js';
export type {
  MigrationConfig, TableMapping, EntityDefinition, LegacySide, NextSide, NextRows, Schemas, AnySchema,
  CleaningStep, CleaningFunction, CleaningStepLike, CleanContext, PlainRow, ResolvedConfig, ResolvedTable,
} from './types.js';
export * from './cleaning/index.js';
export { clean } from './cleaning/clean.js';
export { loadConfig, CONFIG_EXTENSIONS } from './load.js';
export { resolveConfig, DEFAULT_LOG, DEFAULT_STATE } from './resolve.js';
export { ConfigError, ConfigLoadError, ConfigValidationError, ConfigMappingError, type ConfigIssue } from './errors.js';
export { mapRow, type MapResult, type MapFailure, type MapStage, type MapContext } from './map-row.js';
export { sampleTable, type TableSample, type SampleFailureGroup, type SampleContext } from './sample.js';
export { validateAgainstDatabases, type DbValidation } from './validate-against-db.js';
export { inspectConfig, type CheckReport, type TableReport, type ColumnReport, type InspectOptions } from './inspect.js';
export type { BackendReport, BackendRole } from './inspect-backends.js';
export { unkeyableRows, nullKeyFailure, duplicateKeyFailure, isDeclaredUnique } from './row-keys.js';
export { bitsToPlain } from './legacy-plain.js';
export { planNextSchema, type SchemaPlan, type PlannedTable, type PlannedColumn } from './next-schema/plan.js';
export { compareSchema, type SchemaMismatch } from './next-schema/compare.js';
export { renderPlan } from './next-schema/render.js';
