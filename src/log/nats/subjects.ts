import { hash } from 'node:crypto';
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
const PLAIN_TOKEN = /^[A-Za-z0-9_-]+$/;

export function subjectToken(s: string): string {
  if (s === '') return '~';
  // (the common case, once per record on the append path: one test of the whole name instead of one per character)
  if (PLAIN_TOKEN.test(s)) return s;
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
  // One-shot SHA-1 of the concatenated fields (the same bytes, so the same ids, as the former incremental Hash
  // object, whose creation and updates cost more than the digest itself on the append path).
  let text = `${r.kind}\u0000${r.source}\u0000${r.position}\u0000${r.table ?? ''}`;
  if (r.kind === 'change') text += `\u0000${r.op}\u0000${changeKeyText(r)}`;
  if (r.kind === 'watermark') text += `\u0000${r.id}${r.phase}`;
  return hash('sha1', text, 'base64url');
}
