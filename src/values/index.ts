export * from './value.js';
export * from './construct.js';
export * from './compare.js';
export * from './plain.js';
export * from './logical-type.js';
export * from './errors.js';
