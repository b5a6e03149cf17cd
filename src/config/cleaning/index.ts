export { trim, type TrimOptions } from './trim.js';
export { upper, lower, title, type CaseOptions } from './case.js';
export { repairEncoding, repairMojibake, type RepairEncodingOptions } from './repair-encoding.js';
export { zeroDatesToNull, type ZeroDatesOptions } from './zero-dates-to-null.js';
export { emptyToNull, type EmptyToNullOptions } from './empty-to-null.js';
export { codeMap, type CodeMapOptions } from './code-map.js';
export { parseDecimal, parseDecimalText, type ParseDecimalOptions } from './parse-decimal.js';
export { applyCleaning, columnStep, toStep } from './step.js';
export { CleaningError, type CleaningReason } from './errors.js';
