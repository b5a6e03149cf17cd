import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { configureLogs, createLogger, redactSecrets } from '../../src/observe/logger.js';

/** Everything a logger writes, as text, at level info whatever SIPHON_LOG_LEVEL says in the test run. */
function capture(name = 't') {
  let text = '';
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { text += chunk.toString(); cb(); } });
  const before = process.env.SIPHON_LOG_LEVEL;
  process.env.SIPHON_LOG_LEVEL = 'info';
  const log = createLogger(name, sink);
  if (before === undefined) delete process.env.SIPHON_LOG_LEVEL; else process.env.SIPHON_LOG_LEVEL = before;
  return { log, text: () => text, lines: () => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const PASSWORD = 'S3cr3t-pa55word';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.c2lwaG9u.dG9rZW4tdmFsdWU';
const EMAIL = 'jeanne.martin@example.org';
const IBAN = 'FR7630006000011234567890189';

describe('logger redaction', () => {
  afterEach(() => configureLogs({}));

  it('never writes a DB URL password, a bearer token or configured personal fields, wherever they appear', () => {
    configureLogs({ redact: ['email', 'iban'] });
    const { log, text, lines } = capture();
    const url = `postgres://siphon:${PASSWORD}@db.internal:5432/billing`;
    log.info({ url, nested: { deeper: { legacy: `mysql://root:${PASSWORD}@10.0.0.1/crm` } } }, `connecting to ${url}`);
    log.warn({ headers: { authorization: `Bearer ${TOKEN}`, 'x-trace': 'a' } }, 'upstream refused');
    log.error({ err: new Error(`auth failed for ${url} with Authorization: Bearer ${TOKEN}`) }, 'apply failed');
    log.info({ customer: { id: 7, email: EMAIL, iban: IBAN, city: 'Lyon' }, email: EMAIL }, 'customer migrated');
    log.info({ row: { contact: { person: { email: EMAIL } } } }, 'three levels down');
    log.info({ password: PASSWORD, token: TOKEN, config: { adminToken: TOKEN } }, 'settings');
    log.info(`GET /invoices?token=${TOKEN}&page=2`);
    const out = text();
    expect(lines()).toHaveLength(7); // every line was written (redaction censors, it does not drop)
    for (const secret of [PASSWORD, TOKEN, EMAIL, IBAN]) expect(out).not.toContain(secret);
    // what is not secret stays readable
    expect(out).toContain('postgres://siphon:***@db.internal:5432/billing');
    expect(out).toContain('"city":"Lyon"');
    expect(out).toContain('"x-trace":"a"');
    expect(out).toContain('page=2');
    const [first, , third, fourth] = lines();
    expect(first!.msg).toBe('connecting to postgres://siphon:***@db.internal:5432/billing');
    expect((third!.err as { message: string }).message).toContain('Bearer ***');
    expect((fourth!.customer as Record<string, unknown>).email).toBe('***');
  });

  it('personal fields are only censored once configured (the control: the same line shows them without it)', () => {
    const { log, text } = capture();
    log.info({ customer: { email: EMAIL } }, 'customer migrated');
    expect(text()).toContain(EMAIL);
  });

  it('redactSecrets scrubs URL passwords, auth schemes and secret parameters, and leaves other text alone', () => {
    expect(redactSecrets(`mariadb://app:${PASSWORD}@h/db and nats://n:pw@h:4222`)).toBe('mariadb://app:***@h/db and nats://n:***@h:4222');
    expect(redactSecrets(`Authorization: Basic dXNlcjpwYXNz`)).toBe('Authorization: Basic ***');
    expect(redactSecrets(`host=db password=${PASSWORD} user=x`)).toBe('host=db password=*** user=x');
    expect(redactSecrets('sqlite:/var/lib/siphon/state.sqlite')).toBe('sqlite:/var/lib/siphon/state.sqlite');
    expect(redactSecrets('postgres://siphon@db/billing')).toBe('postgres://siphon@db/billing');
  });
});
