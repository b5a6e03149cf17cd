import { z } from 'zod';

// The optional `start` section of a migration config: what `siphon start -c FILE` runs and how. Every field has a
// default, so a config without it starts every role it can (see src/control/start/plan.ts).

const PORT = 'a port number from 0 to 65535';
const portField = z.number({ error: PORT }).int({ error: PORT }).min(0, { error: PORT }).max(65535, { error: PORT });
const HOST = 'a listen address such as "127.0.0.1" or "0.0.0.0"';
const hostField = z.string({ error: HOST }).min(1, { error: HOST });
const MS = 'a whole number of milliseconds (>= 0)';
const msField = z.number({ error: MS }).int({ error: MS }).min(0, { error: MS });
const POSITIVE = 'a whole number >= 1';
const positiveField = z.number({ error: POSITIVE }).int({ error: POSITIVE }).min(1, { error: POSITIVE });
const NAME = 'a name of letters, digits, "_", "-" or "."';
const nameField = z.string({ error: NAME }).regex(/^[A-Za-z0-9_.-]+$/, { error: NAME });
const RATIO = 'a number from 0 to 1';
const ratioField = z.number({ error: RATIO }).min(0, { error: RATIO }).max(1, { error: RATIO });
const HTTP = 'an http:// or https:// URL string';
const httpField = z.string({ error: HTTP }).refine((s) => /^https?:\/\/[^/]/.test(s), { error: HTTP });

export const START_ROLES = ['gateway', 'migrate', 'control'] as const;
export type StartRole = (typeof START_ROLES)[number];
const ROLE = `one of ${START_ROLES.join(', ')}`;

export const startSchema = z.strictObject({
  roles: z.array(z.enum(START_ROLES, { error: ROLE }), { error: `an array of roles (${START_ROLES.join(', ')})` }).min(1, { error: 'at least one role' }).optional(),
  health: z.strictObject({ port: portField, host: hostField.optional() }, { error: 'an object { port, host? }' }).optional(),
  gateway: z.strictObject({
    port: portField, host: hostField.optional(), diff: z.boolean({ error: 'true or false' }).optional(),
  }, { error: 'an object { port, host?, diff? }' }).optional(),
  migrate: z.strictObject({
    source: nameField.optional(), slot: nameField.optional(),
    method: z.enum(['trigger', 'binlog', 'pgoutput'], { error: 'one of trigger, binlog, pgoutput' }).optional(),
    backfill: z.boolean({ error: 'true or false' }).optional(),
    batchSize: positiveField.optional(), chunkSize: positiveField.optional(), capturePollMs: positiveField.optional(),
  }, { error: 'an object { source?, slot?, method?, backfill?, batchSize?, chunkSize?, capturePollMs? }' }).optional(),
  restart: z.strictObject({ initialMs: positiveField.optional(), maxMs: positiveField.optional() }, { error: 'an object { initialMs?, maxMs? }' })
    .refine((r) => r.initialMs === undefined || r.maxMs === undefined || r.initialMs <= r.maxMs, { error: 'initialMs no larger than maxMs' }).optional(),
  drain: z.strictObject({ delayMs: msField.optional() }, { error: 'an object { delayMs? }' }).optional(),
  tracing: z.strictObject({
    endpoint: httpField, sampleRatio: ratioField.optional(), serviceName: nameField.optional(),
  }, { error: 'an object { endpoint, sampleRatio?, serviceName? } (OTLP/HTTP traces)' }).optional(),
  logs: z.strictObject({
    redact: z.array(z.string({ error: 'a field name or a pino path' }).min(1), { error: 'an array of field names holding personal data' }).optional(),
  }, { error: 'an object { redact? }' }).optional(),
}, { error: 'an object (siphon start settings: roles, health, gateway, migrate, restart, drain, tracing, logs)' });

/** The `start` section as written (all optional). */
export type StartSection = z.output<typeof startSchema>;
