/**
 * The logical type of a column, independent of the engine. Adapters map their native types onto these during
 * introspection; `unknown` keeps the native type name so that it can be reported by table and column.
 */
export type LogicalType =
  | 'bool' | 'int' | 'dec' | 'float' | 'text' | 'date' | 'time' | 'ts' | 'lts' | 'bytes' | 'json' | 'unknown';

export const LOGICAL_TYPES: readonly LogicalType[] = [
  'bool', 'int', 'dec', 'float', 'text', 'date', 'time', 'ts', 'lts', 'bytes', 'json', 'unknown',
];
