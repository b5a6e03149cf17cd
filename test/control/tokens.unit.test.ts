import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminTokenFileError } from '../../src/control/admin/errors.js';
import { clientToken, loadOrCreateTokens, loadTokens, TokenVerifier } from '../../src/control/admin/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'siphon-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (f: string) => statSync(f).mode & 0o777;

describe('admin tokens file', () => {
  it('is generated 0600 on first start with an operator and a read-only token, and read back the same', () => {
    const file = join(dir, 'sub', 'admin-tokens');
    const first = loadOrCreateTokens(file);
    expect(first.created).toBe(true);
    expect(mode(file)).toBe(0o600);
    expect(first.tokens.map((t) => [t.role, t.identity])).toEqual([['operator', 'operator'], ['read-only', 'reader']]);
    expect(new Set(first.tokens.map((t) => t.token)).size).toBe(2);
    const again = loadOrCreateTokens(file);
    expect(again.created).toBe(false);
    expect(again.tokens).toEqual(first.tokens);
    expect(clientToken(file)).toBe(first.tokens[0]!.token); // the CLI takes the operator line
  });

  it('refuses a file that group or others may read, saying how to fix it', () => {
    const file = join(dir, 'open-tokens');
    writeFileSync(file, 'operator alice abcdefghijklmnopqrstuvwxyz\n', { mode: 0o600 });
    for (const m of [0o640, 0o604, 0o644]) {
      chmodSync(file, m);
      expect(() => loadTokens(file)).toThrow(AdminTokenFileError);
      expect(() => loadOrCreateTokens(file)).toThrow(/readable by group or others.*chmod 600/);
      expect(() => clientToken(file)).toThrow(/readable by group or others/);
    }
    chmodSync(file, 0o600);
    expect(loadTokens(file)).toEqual([{ role: 'operator', identity: 'alice', token: 'abcdefghijklmnopqrstuvwxyz' }]);
    expect(readFileSync(file, 'utf8')).toContain('alice'); // refusing never rewrote it
  });

  it('says which line is wrong', () => {
    const file = join(dir, 'bad-tokens');
    for (const [text, msg] of [
      ['operator alice', /line 1: expected "ROLE IDENTITY TOKEN"/],
      ['# c\nadmin alice abcdefghijklmnopqrstuvwxyz', /line 2: unknown role "admin"/],
      ['read-only bob short', /token of bob is shorter than 16/],
      ['# nothing\n\n', /holds no token/],
    ] as const) {
      writeFileSync(file, text, { mode: 0o600 });
      chmodSync(file, 0o600);
      expect(() => loadTokens(file)).toThrow(msg);
    }
  });

  it('verifies bearer tokens to their identity, and nothing else', () => {
    const v = new TokenVerifier([
      { role: 'operator', identity: 'alice', token: 'alice-token-0123456789' },
      { role: 'read-only', identity: 'bob', token: 'bob-token-0123456789ab' },
    ]);
    expect(v.verify('Bearer alice-token-0123456789')).toEqual({ identity: 'alice', role: 'operator' });
    expect(v.verify('bearer bob-token-0123456789ab')).toEqual({ identity: 'bob', role: 'read-only' });
    for (const h of [undefined, '', 'Bearer', 'Bearer ', 'alice-token-0123456789', 'Basic alice-token-0123456789',
      'Bearer alice-token-012345678', 'Bearer alice-token-01234567890', 'Bearer bob-token-0123456789ab x']) {
      expect(v.verify(h), String(h)).toBeUndefined();
    }
  });
});
