/**
 * The CLI's modules in process, where a child process cannot reach: the echo-off prompt with a fake
 * terminal, redaction and time formatting, the cache file store and its lock, settings precedence,
 * and the promise that the cache's freshness rule is the library's.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { skewOf } from '../../src/cache-entry.js';
import { cacheFile, FileTokenStore, isFresh, REFRESH_SKEW_S } from '../../src/cli/cache.js';
import { Interrupted } from '../../src/cli/exit-codes.js';
import { explain } from '../../src/cli/explain.js';
import { decodeJwt, expiresPhrase, formatDuration, formatLocalTime, redactHeader, redactToken } from '../../src/cli/output.js';
import { askHidden } from '../../src/cli/prompt.js';
import { refuseSecretFlags, resolveSecrets } from '../../src/cli/secrets.js';
import { readSettings } from '../../src/cli/settings.js';
import { DEFAULTS, ErrorCode, OAuthError, type Token } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tokenward-cli-unit-'));
  dirs.push(d);
  return d;
}

/** A terminal: raw mode recorded, keystrokes pushed in, everything written captured. */
function fakeTerminal() {
  const events: string[] = [];
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(mode: boolean) {
      this.rawModes.push(mode);
      events.push(`raw ${mode}`);
    },
  });
  let written = '';
  const output = {
    write: (text: string) => {
      events.push(`write ${JSON.stringify(text)}`);
      written += text;
    },
  };
  return { input, output, written: () => written, events };
}

describe('askHidden', () => {
  it('reads a line with echo off, handles backspace, and restores the terminal', async () => {
    const t = fakeTerminal();
    const answer = askHidden('Client secret for svc: ', t);
    t.input.write('hunter');
    t.input.write('X\u007f2:%+');
    t.input.write('\r');
    await expect(answer).resolves.toBe('hunter2:%+');
    expect(t.written()).toBe('Client secret for svc: \n');
    // Echo goes off before the question shows, so nothing typed the moment it appears is echoed.
    expect(t.events).toEqual(['raw true', 'write "Client secret for svc: "', 'raw false', 'write "\\n"']);
  });

  it('Ctrl-C interrupts (exit code 130) and restores the terminal; arrow keys are ignored', async () => {
    const t = fakeTerminal();
    const answer = askHidden('Password: ', t);
    t.input.write('\u001b[A');
    t.input.write('ab\u0003');
    const err = await answer.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect((err as Interrupted).exitCode).toBe(130);
    expect(t.input.rawModes).toEqual([true, false]);
    expect(t.written()).not.toContain('ab');
  });

  it('resolveSecrets prompts only for what is needed and missing, and says where each came from', async () => {
    const asked: string[] = [];
    const result = await resolveSecrets(
      {},
      { TOKENWARD_CLIENT_SECRET: 'from-env' },
      {
        needed: new Map([
          ['clientSecret', 'Client secret'],
          ['password', 'Password for jan'],
        ] as const),
        ask: async (q) => {
          asked.push(q);
          return 'typed';
        },
        who: 'test',
      },
    );
    expect(asked).toEqual(['Password for jan: ']);
    expect(result.values).toEqual({ clientSecret: 'from-env', password: 'typed' });
    expect(result.from).toEqual({ clientSecret: 'TOKENWARD_CLIENT_SECRET', password: 'the prompt' });
  });

  it('refuses secret flags but not the same words after `--` or as values of other flags', () => {
    expect(() => refuseSecretFlags(['token', '--client-secret=abc'])).toThrow(/--client-secret is not accepted/);
    expect(() => refuseSecretFlags(['token', '--password', 'abc'])).toThrow(/not.*abc|--password is not accepted/);
    expect(() => refuseSecretFlags(['token', '--', '--password'])).not.toThrow();
    expect(() => refuseSecretFlags(['token', '--password-file', '/run/secrets/pw'])).not.toThrow();
    try {
      refuseSecretFlags(['--client-secret=abc-very-secret']);
    } catch (err) {
      expect((err as Error).message).not.toContain('abc-very-secret');
    }
  });
});

describe('output', () => {
  it('redacts tokens to their ends, short ones to their length', () => {
    expect(redactToken('abcdefghijklmnopqrstuvwxyz0123')).toBe('abcd…0123 (30 chars)');
    expect(redactToken('short-token')).toBe('[11 chars]');
  });

  it('hides credentials in headers: Basic entirely, a bearer token to its ends, cookies and api keys', () => {
    const id = (t: string) => t;
    expect(redactHeader('Authorization', 'Basic dXNlcjpwYXNzd29yZA==', id)).toBe('Basic [redacted]');
    expect(redactHeader('authorization', `Bearer ${'t'.repeat(40)}`, id)).toBe('Bearer tttt…tttt (40 chars)');
    expect(redactHeader('cookie', 'sid=1', id)).toBe('[redacted]');
    expect(redactHeader('x-api-key', 'k', id)).toBe('[redacted]');
    expect(redactHeader('content-type', 'application/json', id)).toBe('application/json');
  });

  it('decodes a JWT header and claims, recognises a JWE, and leaves opaque tokens alone', () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    expect(decodeJwt(`${enc({ alg: 'HS256' })}.${enc({ sub: 'a' })}.sig`)).toEqual({ header: { alg: 'HS256' }, claims: { sub: 'a' } });
    expect(decodeJwt(`${enc({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.k.iv.ct.tag`)).toEqual({ encrypted: true, header: { alg: 'RSA-OAEP', enc: 'A256GCM' } });
    expect(decodeJwt('not.a.jwt')).toBeUndefined();
    expect(decodeJwt('opaque-token')).toBeUndefined();
  });

  it('formats durations and local times the same in every locale', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(14 * 60_000 - 400)).toBe('14 min');
    expect(formatDuration(125 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86_400_000)).toBe('3 days');
    expect(expiresPhrase(1_000, 181_000)).toBe('expired 3 min ago');
    expect(formatLocalTime(0)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/);
  });
});

describe('cache', () => {
  const token = (over: Partial<Token> = {}): Token => ({
    accessToken: 'at-value',
    tokenType: 'Bearer',
    expiresAt: Date.now() + 3_600_000,
    receivedAt: Date.now(),
    raw: { access_token: 'at-value', token_type: 'Bearer', ip: '10.0.0.1' },
    ...over,
  });

  it('counts a cached token as fresh exactly when TokenManager would (its default refreshSkew)', () => {
    expect(REFRESH_SKEW_S).toBe(DEFAULTS.refreshSkew);
    const received = 1_000_000;
    for (const lifetimeS of [1, 10, 59, 120, 899, 3600]) {
      const t = token({ receivedAt: received, expiresAt: received + lifetimeS * 1000 });
      const refreshAt = t.expiresAt - skewOf(t, DEFAULTS.refreshSkew);
      for (const at of [received, refreshAt - 1, refreshAt, refreshAt + 1, t.expiresAt])
        expect(isFresh(t, at), `${lifetimeS} s token at +${at - received} ms`).toBe(at < refreshAt);
    }
  });

  it('names the file after token-shaping settings only: not secrets, not timeouts', () => {
    const dir = tmp();
    const a = cacheFile(dir, readSettings({ 'token-url': 'https://h/t', 'client-id': 'x' }, {}), undefined);
    expect(cacheFile(dir, readSettings({ 'token-url': 'https://h/t', 'client-id': 'x', timeout: '5' }, { TOKENWARD_CLIENT_SECRET: 'new' }), undefined)).toBe(a);
    expect(cacheFile(dir, readSettings({ 'token-url': 'https://h/t', 'client-id': 'x', scope: 'view' }, {}), undefined)).not.toBe(a);
    expect(cacheFile(dir, readSettings({ 'token-url': 'https://h/t', 'client-id': 'x' }, {}), 'jim2')).not.toBe(a);
  });

  it('stores a token in a private file without duplicating its values in `raw`, and reads it back', () => {
    const dir = join(tmp(), 'cache');
    const store = new FileTokenStore(dir, join(dir, 'one.json'));
    store.clientAuthOf = () => 'body';
    const t = token({ refreshToken: 'rt-value', scope: 'view' });
    store.set('ignored', t);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    const text = readFileSync(store.file, 'utf8');
    expect(text.split('at-value')).toHaveLength(2);
    expect(store.get()).toEqual({ ...t, raw: { token_type: 'Bearer', ip: '10.0.0.1' } });
    expect(store.clientAuth).toBe('body');
    expect(store.deleteIf('k', 'other')).toBe(false);
    expect(store.deleteIf('k', 'at-value')).toBe(true);
    expect(store.get()).toBeUndefined();
  });

  it('ignores a malformed file, and refuses a directory others can read', () => {
    const dir = join(tmp(), 'cache');
    const store = new FileTokenStore(dir, join(dir, 'one.json'));
    store.set('k', token());
    writeFileSync(store.file, '{"v":1,"token":{"accessToken":42}}');
    expect(store.get()).toBeUndefined();
    chmodSync(dir, 0o755);
    expect(() => store.get()).toThrow(/open to other users \(mode 755\)/);
  });

  it('a lock is exclusive; a waiter gives up after waitMs, or as soon as a token is stored; a stale lock is taken over', async () => {
    const dir = join(tmp(), 'cache');
    const a = new FileTokenStore(dir, join(dir, 'one.json'));
    const b = new FileTokenStore(dir, join(dir, 'one.json'));
    const release = await a.lock('k', { ttlMs: 60_000, waitMs: 0 });
    expect(release).toBeTypeOf('function');
    expect(await b.lock('k', { ttlMs: 60_000, waitMs: 50 })).toBeUndefined();
    const waiting = b.lock('k', { ttlMs: 60_000, waitMs: 30_000 });
    a.set('k', token());
    expect(await waiting).toBeUndefined();
    await release!();
    const again = await b.lock('k', { ttlMs: 60_000, waitMs: 0 });
    expect(again).toBeTypeOf('function');
    // Its holder "crashed": the lock file is old.
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(join(dir, 'one.lock'), old, old);
    expect(await a.lock('k', { ttlMs: 60_000, waitMs: 0 })).toBeTypeOf('function');
  });
});

describe('settings and errors', () => {
  it('flags win over the environment; an empty variable is unset; lists and pairs parse', () => {
    const s = readSettings(
      { scope: 'from-flag', param: ['audience=https://api', 'resource=r'] },
      { TOKENWARD_SCOPE: 'from-env', TOKENWARD_CLIENT_ID: '', TOKENWARD_ALLOWED_ORIGINS: 'https://a.example, https://b.example' },
    );
    expect(s.get('scope')).toMatchObject({ value: 'from-flag', from: '--scope' });
    expect(s.has('clientId')).toBe(false);
    expect(s.get('params')?.value).toEqual({ audience: 'https://api', resource: 'r' });
    expect(s.get('allowedOrigins')?.value).toEqual(['https://a.example', 'https://b.example']);
    expect(readSettings({}, { TOKENWARD_PARAMS: 'a=1&b=x%20y' }).get('params')?.value).toEqual({ a: '1', b: 'x y' });
  });

  it('maps each error class to its exit code', () => {
    const oauth = new OAuthError(ErrorCode.OAUTH, 'token endpoint answered 401 invalid_client', { status: 401, error: 'invalid_client' });
    expect(explain(oauth)).toMatchObject({
      exitCode: 2,
      lines: ['tokenward: token endpoint answered 401 invalid_client', expect.stringContaining('No client secret was sent.')],
    });
    expect(explain(oauth, { secretsGiven: new Set(['clientSecret']) }).lines[1]).not.toContain('No client secret was sent');
    expect(explain(new OAuthError(ErrorCode.NO_LICENCE, 'no licence')).exitCode).toBe(7);
    expect(explain(new Error('boom')).exitCode).toBe(1);
  });
});
