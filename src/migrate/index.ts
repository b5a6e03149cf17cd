export { startMigration, runMigration, type RunningMigration, type RunMigrationOptions, type MigrateProgress, type MigrateSummary } from './run.js';
export { migrationWiring, probesFor, type MigrationWiring, type SharedHandles } from './wiring.js';
export { collectStatus, checkLine, type MigrationStatus, type TableStatus, type StatusProbes, type StatusSources, type BackfillTableProgress } from './status.js';
export { queueReapply, queuedReapplies, type ReapplyRequest } from './reapply-request.js';
export * from './errors.js';
