import { trim } from './trim.js';
import { upper, lower, title } from './case.js';
import { repairEncoding } from './repair-encoding.js';
import { zeroDatesToNull } from './zero-dates-to-null.js';
import { emptyToNull } from './empty-to-null.js';
import { codeMap } from './code-map.js';
import { parseDecimal } from './parse-decimal.js';
import { toInstant } from './to-instant.js';
import { columnStep } from './step.js';

/** The cleaning steps as one namespace, for configs: `clean: [clean.trim(), clean.codeMap('STATUT', {...})]`. */
export const clean = { trim, upper, lower, title, repairEncoding, zeroDatesToNull, emptyToNull, codeMap, parseDecimal, toInstant, columnStep } as const;
