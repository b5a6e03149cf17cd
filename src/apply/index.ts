export type * from './types.js';
export { createApplier, type ApplierOptions, type ApplyBatchDetail, type ApplyItemOutcome, type SiphonApplier } from './applier.js';
export { APPLY_REASONS, type ApplyReason } from './prepare.js';
export { ApplyError, ApplyCheckpointConflictError, ApplyConfigError, ApplyRetryExhaustedError } from './errors.js';
export { SIPHON_TABLE_PREFIX } from './siphon-tables.js';
