import { createHash } from 'node:crypto';
import type { LogRecord } from '../change.js';
import { changeKeyText } from '../change.js';
import { InvalidLogNameError } from '../errors.js';

const LOG_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function checkLogName(name: string): string {
  if (!LOG_RE.test(name)) throw new InvalidLogNameError('log', name, 'use 1 to 64 letters, digits, "_" or "-" (it names the JetStream stream)');
  return name;
}

/**
 * Subject tokens cannot hold ".", "*", ">" or white space; source and table names can ("public.orders"). Characters
 * outside [A-Za-z0-9_-] become "~" + two hex digits per UTF-8 byte, so the mapping is reversible and collision-free.
 */
export function subjectToken(s: string): string {
  if (s === '') return '~';
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9_-]/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '~' + b.toString(16).padStart(2, '0');
  }
  return out;
}

export const streamName = (log: string): string => `SIPHON_${log}`;
export const subjectPrefix = (log: string): string => `siphon.${log}`;
export const wakeSubject = (log: string): string => `siphon-wake.${log}`;
export const kvBucket = (log: string): string => `SIPHON_${log}_state`;

export function recordSubject(log: string, r: LogRecord): string {
  return `${subjectPrefix(log)}.${subjectToken(r.source)}.${subjectToken(r.table ?? '')}`;
}

/**
 * The JetStream de-duplication id of a record: its identity at the source. A retried append (after a timeout or a
 * capture crash between publish and storing its position) republishes the same records; within the stream's
 * duplicate window JetStream keeps the first copy only, so the log holds each change once.
 */
export function recordMsgId(r: LogRecord): string {
  const h = createHash('sha1');
  h.update(r.kind).update('\u0000').update(r.source).update('\u0000').update(r.position).update('\u0000').update(r.table ?? '');
  if (r.kind === 'change') h.update('\u0000').update(r.op).update('\u0000').update(changeKeyText(r));
  if (r.kind === 'watermark') h.update('\u0000').update(r.id).update(r.phase);
  return h.digest('base64url');
}
