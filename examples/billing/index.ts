/** The sample billing system, for tests and the demo. */
export { startLegacyApp, type LegacyAppOptions } from './legacy-app/start-legacy-app.js';
export { startNextApp, type NextAppOptions } from './next-app/start-next-app.js';
export type { RunningApp } from './http/server.js';
export { Faults, faultsFromEnv, parseFaults, FAULT_NAMES } from './http/faults.js';
export * as contract from './contract.js';
export { legacyDdl, LEGACY_TABLES } from './legacy/schema.js';
export { nextDdl, NEXT_TABLES } from './next/schema.js';
export { generateLegacy, type GenerateOptions, type GenerateSummary } from './generate/generate-legacy.js';
export { generateCustomer } from './generate/customer.js';
