export type { AspireTrigger, AspireRequest, AspireResult, AspireFailedRow, AspireOutcome, Aspirer } from './types.js';
