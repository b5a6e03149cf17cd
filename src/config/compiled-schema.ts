import { compile, core } from 'zod';
import type { AnySchema } from './types.js';

/**
 * The schema `mapRow` parses with: zod's own compiled form (`z.compile`, zod ≥ 4.6) of the user's schema, made once
 * per schema object.
 *
 * Why: mapRow parses every row of a migration and of a verify pass; the runtime parser walks a payload object and a
 * check loop per field (≈ 1–1.6 µs for a billing row), the compiled one is generated code for that one shape
 * (≈ 0.15–0.45 µs). What it accepts and refuses is zod's: the compiled parser answers only when the input passes
 * — and then with the value the runtime would give —, otherwise zod's runtime parses the same input and gives the
 * issues (the same messages, the same paths). Proved against the runtime by a differential property test
 * (test/config/compiled-schema.unit.test.ts).
 *
 * Kept as they are (the runtime parser, unchanged): a schema zod's compiler refuses (it hands such a schema back
 * itself), one built by another zod copy or version (its semantics are that version's, not this compiler's: checked
 * by the version each schema carries), and anything that is not a zod 4 schema (a config may give any object with
 * `safeParse`). A refinement runs twice on an input that fails (once in the compiled parser, once in the runtime):
 * refinements are meant to be pure.
 */
const compiled = new WeakMap<object, AnySchema>();

export function parserOf(schema: AnySchema): AnySchema {
  let c = compiled.get(schema);
  if (c === undefined) compiled.set(schema, c = compileIfOurs(schema));
  return c;
}

function compileIfOurs(schema: AnySchema): AnySchema {
  const v = (schema as { _zod?: { version?: { major?: unknown; minor?: unknown; patch?: unknown } } })._zod?.version;
  const ours = core.version;
  if (!v || v.major !== ours.major || v.minor !== ours.minor || v.patch !== ours.patch) return schema;
  try { return compile(schema); } catch { return schema; } // compile never throws by its contract; a guard all the same
}
