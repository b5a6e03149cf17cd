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
