import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AdminTokenFileError } from './errors.js';

/**
 * Admin tokens: one file, one token per line as `ROLE IDENTITY TOKEN` (`#` comments). Two roles: `read-only` reads
 * everything, `operator` also changes things. The identity is who the audit trail names for a change — never a flag
 * of the caller. The file is generated on first start (mode 0600, one operator and one read-only token); a file that
 * group or others may read is refused: whoever reads it can flip live routes.
 */
export const ADMIN_ROLES = ['read-only', 'operator'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface AdminIdentity {
  readonly identity: string;
  readonly role: AdminRole;
}

export interface AdminToken extends AdminIdentity {
  readonly token: string;
}

/** Default tokens file, beside the default state store. */
export const DEFAULT_TOKEN_FILE = '.siphon/admin-tokens';

const MIN_TOKEN_LENGTH = 16;

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Throws unless only the owner may read the file (mode & 077 = 0). */
export function assertPrivate(file: string, fd: number): void {
  const mode = fstatSync(fd).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new AdminTokenFileError(file, `readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); anyone who reads it can change live routes. Run: chmod 600 ${file}`);
  }
}

function readPrivate(file: string): string {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch (e) {
    throw new AdminTokenFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    assertPrivate(file, fd);
    return readFileSync(fd, 'utf8');
  } finally { closeSync(fd); }
}

export function parseTokens(file: string, text: string): AdminToken[] {
  const tokens: AdminToken[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    const where = `line ${i + 1}`;
    if (parts.length !== 3) throw new AdminTokenFileError(file, `${where}: expected "ROLE IDENTITY TOKEN" (role read-only or operator)`);
    const [role, identity, token] = parts as [string, string, string];
    if (!(ADMIN_ROLES as readonly string[]).includes(role)) throw new AdminTokenFileError(file, `${where}: unknown role "${role}" (read-only or operator)`);
    if (token.length < MIN_TOKEN_LENGTH) throw new AdminTokenFileError(file, `${where}: the token of ${identity} is shorter than ${MIN_TOKEN_LENGTH} characters`);
    tokens.push({ role: role as AdminRole, identity, token });
  });
  if (tokens.length === 0) throw new AdminTokenFileError(file, 'holds no token ("ROLE IDENTITY TOKEN" per line)');
  return tokens;
}

/**
 * Reads the tokens file, or creates it (0600, exclusive create: two processes starting at once do not overwrite each
 * other's tokens) with an `operator` and a `reader` token. `created` says whether it was generated.
 */
export function loadOrCreateTokens(file: string): { tokens: AdminToken[]; created: boolean } {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fresh: AdminToken[] = [
    { role: 'operator', identity: 'operator', token: generateToken() },
    { role: 'read-only', identity: 'reader', token: generateToken() },
  ];
  let fd: number | undefined;
  try { fd = openSync(file, 'wx', 0o600); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new AdminTokenFileError(file, `cannot be created (${(e as Error).message})`);
  }
  if (fd === undefined) return { tokens: parseTokens(file, readPrivate(file)), created: false };
  try {
    writeSync(fd, '# Siphon admin API tokens: ROLE IDENTITY TOKEN (role read-only or operator). Keep this file mode 0600.\n'
      + fresh.map((t) => `${t.role} ${t.identity} ${t.token}`).join('\n') + '\n');
  } finally { closeSync(fd); }
  return { tokens: fresh, created: true };
}

/** Reads an existing tokens file (refused when readable by others). */
export function loadTokens(file: string): AdminToken[] {
  return parseTokens(file, readPrivate(file));
}

/**
 * The token a CLI sends: a file holding just a token, or a tokens file (its first `operator` line, else its first
 * line). The same 0600 rule applies.
 */
export function clientToken(file: string): string {
  const lines = readPrivate(file).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new AdminTokenFileError(file, 'holds no token');
  if (lines.length === 1 && lines[0]!.split(/\s+/).length === 1) return lines[0]!;
  const tokens = parseTokens(file, lines.join('\n'));
  return (tokens.find((t) => t.role === 'operator') ?? tokens[0]!).token;
}

/**
 * Finds the identity of a bearer token in constant time: every known token is compared (digests of equal length,
 * `timingSafeEqual`), so neither the position of a match nor the length of a wrong token shows in the timing.
 */
export class TokenVerifier {
  private readonly digests: { digest: Buffer; who: AdminIdentity }[];

  constructor(tokens: readonly AdminToken[]) {
    this.digests = tokens.map((t) => ({ digest: sha256(t.token), who: { identity: t.identity, role: t.role } }));
  }

  /** The identity of an `Authorization` header's bearer token. */
  verify(authorization: string | undefined): AdminIdentity | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return m ? this.identify(m[1]!) : undefined;
  }

  /** The identity of a token itself (a dashboard login). */
  identify(token: string): AdminIdentity | undefined {
    const got = sha256(token);
    let found: AdminIdentity | undefined;
    for (const d of this.digests) if (timingSafeEqual(got, d.digest) && token !== '') found ??= d.who;
    return found;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
