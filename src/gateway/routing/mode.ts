// Mode parsing lives with the route model (`src/routes/mode.ts`); re-exported for the gateway's imports.
export { checkPercent, formatMode, parseMode } from '../../routes/mode.js';
