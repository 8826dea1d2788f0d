/**
 * The error hierarchy: stable codes (asserted against docs/errors.md), fields, serialisation, matching.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, ErrorCode, isTokenwardError, NetworkError, OAuthError, ResponseError, TokenManager, TokenwardError } from '../src/index.js';
import { startServer } from './helpers/http-server.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

describe('ErrorCode', () => {
  it('is documented, code by code, with the class that carries it', () => {
    const section = doc.split(/^## /m).find((s) => s.startsWith('Codes'))!;
    const rows = new Map<string, string>();
    for (const line of section.split('\n')) {
      const m = /^\| `(ERR_TOKENWARD_\w+)` \| `(\w+)` \|/.exec(line);
      if (m) rows.set(m[1]!, m[2]!);
    }
    expect([...rows.keys()].sort()).toEqual(Object.values(ErrorCode).sort());
    expect(rows.get(ErrorCode.CONFIG)).toBe('ConfigError');
    expect(rows.get(ErrorCode.OAUTH)).toBe('OAuthError');
    expect(rows.get(ErrorCode.NETWORK)).toBe('NetworkError');
    expect(rows.get(ErrorCode.RESPONSE)).toBe('ResponseError');
  });

  it('codes are stable strings', () => {
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(`ERR_TOKENWARD_${key}`);
  });

  it('every documented field exists on TokenwardError', () => {
    const section = doc.split(/^## /m).find((s) => s.startsWith('Fields'))!;
    const fields = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!);
    expect(fields).toEqual([
      'code',
      'message',
      'status',
      'error',
      'errorDescription',
      'errorUri',
      'bodyExcerpt',
      'retryAfter',
      'attempts',
      'cause',
      'response',
    ]);
    const err = new TokenwardError(ErrorCode.OAUTH, 'm', {
      status: 400,
      error: 'e',
      errorDescription: 'd',
      errorUri: 'u',
      bodyExcerpt: 'b',
      retryAfter: 1,
      attempts: [],
      cause: new Error('c'),
      response: new Response('r'),
    });
    for (const field of fields) expect(err[field as keyof TokenwardError], field).toBeDefined();
  });
});

describe('TokenwardError', () => {
  it('prefixes the message once and sets only the fields given', () => {
    const a = new TokenwardError(ErrorCode.NETWORK, 'x failed');
    expect(a.message).toBe('tokenward: x failed');
    expect(new TokenwardError(ErrorCode.NETWORK, 'tokenward: y').message).toBe('tokenward: y');
    expect(Object.keys(a).sort()).toEqual(['code', 'name']);
    expect(a).toBeInstanceOf(Error);
    expect(a.cause).toBeUndefined();
  });

  it('subclasses keep their names and are TokenwardErrors', () => {
    for (const [Ctor, name] of [
      [OAuthError, 'OAuthError'],
      [ResponseError, 'ResponseError'],
      [NetworkError, 'NetworkError'],
    ] as const) {
      const e = new Ctor(ErrorCode.OAUTH, 'm');
      expect(e.name).toBe(name);
      expect(e).toBeInstanceOf(TokenwardError);
      expect(String(e)).toBe(`${name}: tokenward: m`);
    }
    const c = new ConfigError('option `x` is wrong');
    expect(c).toMatchObject({ name: 'ConfigError', code: ErrorCode.CONFIG, message: 'tokenward: option `x` is wrong' });
  });

  it('response is kept but not enumerable, so logs and JSON never carry it', () => {
    const response = new Response('{"access_token":"zzz"}');
    const err = new ResponseError(ErrorCode.RESPONSE, 'm', { status: 500, response });
    expect(err.response).toBe(response);
    expect(Object.keys(err)).not.toContain('response');
    expect(JSON.stringify(err)).not.toContain('response');
    expect(inspect(err, { depth: 10 })).not.toMatch(/zzz|Response \{|\[response\]/);
  });

  it('toJSON: name, code, message, the set fields, and cause as {name, message}', () => {
    const inner = new OAuthError(ErrorCode.OAUTH, 'inner', { status: 401 });
    const err = new OAuthError(ErrorCode.OAUTH, 'both', {
      status: 400,
      error: 'invalid_client',
      errorDescription: 'd',
      attempts: [inner],
      cause: new TypeError('boom'),
    });
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'OAuthError',
      code: ErrorCode.OAUTH,
      message: 'tokenward: both',
      status: 400,
      error: 'invalid_client',
      errorDescription: 'd',
      attempts: [{ name: 'OAuthError', code: ErrorCode.OAUTH, message: 'tokenward: inner', status: 401 }],
      cause: { name: 'TypeError', message: 'boom' },
    });
    expect(new TokenwardError(ErrorCode.ABORTED, 'm', { cause: 'why' }).toJSON().cause).toBe('why');
  });

  it('isTokenwardError matches by class and, optionally, by code', () => {
    const err = new OAuthError(ErrorCode.OAUTH, 'm');
    expect(isTokenwardError(err)).toBe(true);
    expect(isTokenwardError(err, ErrorCode.OAUTH)).toBe(true);
    expect(isTokenwardError(err, ErrorCode.NETWORK)).toBe(false);
    expect(isTokenwardError(new Error('m'))).toBe(false);
    expect(isTokenwardError({ code: ErrorCode.OAUTH })).toBe(false);
  });
});

describe('two copies of tokenward in one process (the dual-package hazard)', () => {
  // The ESM and the CommonJS build are two module instances with two sets of classes, as here.
  async function otherCopy(): Promise<typeof import('../src/errors.js')> {
    vi.resetModules();
    const copy = await import('../src/errors.js');
    expect(copy.TokenwardError).not.toBe(TokenwardError);
    return copy;
  }

  it('isTokenwardError and instanceof recognise errors of the other copy, class by class', async () => {
    const other = await otherCopy();
    const oauth = new other.OAuthError(other.ErrorCode.OAUTH, 'm', { status: 401, error: 'invalid_client' });
    expect(isTokenwardError(oauth)).toBe(true);
    expect(isTokenwardError(oauth, ErrorCode.OAUTH)).toBe(true);
    expect(isTokenwardError(oauth, ErrorCode.NETWORK)).toBe(false);
    expect(oauth).toBeInstanceOf(TokenwardError);
    expect(oauth).toBeInstanceOf(OAuthError);
    expect(oauth instanceof NetworkError).toBe(false);
    expect(oauth instanceof ConfigError).toBe(false);
    expect(new other.ConfigError('x')).toBeInstanceOf(ConfigError);
    expect(new other.TokenwardError(other.ErrorCode.STORE, 'x') instanceof OAuthError).toBe(false);
    // And the other way round.
    expect(other.isTokenwardError(new NetworkError(ErrorCode.TIMEOUT, 'm'), other.ErrorCode.TIMEOUT)).toBe(true);
    expect(new ResponseError(ErrorCode.RESPONSE, 'm')).toBeInstanceOf(other.ResponseError);
  });

  it('nothing else is mistaken for one: plain errors, look-alikes, primitives, subclasses of users', async () => {
    const other = await otherCopy();
    for (const value of [
      new Error('m'),
      { code: ErrorCode.OAUTH, name: 'OAuthError' },
      Object.assign(new Error('m'), { name: 'TokenwardError' }),
      null,
      undefined,
      'ERR_TOKENWARD_OAUTH',
      42,
    ]) {
      expect(isTokenwardError(value)).toBe(false);
      expect(value instanceof TokenwardError).toBe(false);
      expect(value instanceof other.OAuthError).toBe(false);
    }
    class AppError extends TokenwardError {}
    expect(new AppError(ErrorCode.OAUTH, 'm')).toBeInstanceOf(AppError);
    expect(new TokenwardError(ErrorCode.OAUTH, 'm') instanceof AppError).toBe(false);
    expect(new other.TokenwardError(other.ErrorCode.OAUTH, 'm') instanceof AppError).toBe(false);
  });

  it('the brand is Symbol.for("tokenward.error"), and it shows nowhere in logs', () => {
    const err = new OAuthError(ErrorCode.OAUTH, 'm');
    expect((err as unknown as Record<symbol, unknown>)[Symbol.for('tokenward.error')]).toBe('OAuthError');
    expect(Object.getOwnPropertySymbols(err)).toEqual([]);
    expect(inspect(err)).not.toContain('tokenward.error');
  });
});

describe('console.error(err) prints one readable error', () => {
  /** The error a wrong secret gives with clientAuth 'auto': Basic refused, then body refused. */
  async function wrongSecret(): Promise<TokenwardError> {
    const server = await startServer({
      'POST /token': () => ({ status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } }),
    });
    try {
      const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'svc', clientSecret: 'wrong-secret', retry: false });
      const err = await tm.getToken().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(server.requests).toHaveLength(2);
      return err as TokenwardError;
    } finally {
      await server.close();
    }
  }

  it('a failed auto probe: message, code, status, OAuth error, each attempt once, one stack trace', async () => {
    const err = await wrongSecret();
    expect(err.attempts).toHaveLength(2);
    const text = inspect(err);
    const lines = text.split('\n');
    const frames = lines.filter((l) => /^\s+at /.test(l));
    // The error's own stack only: no attempt or cause repeats its trace.
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThanOrEqual(Error.stackTraceLimit);
    expect(lines.findIndex((l) => /^\s+at /.test(l))).toBe(1);
    expect(lines.length - frames.length).toBeLessThanOrEqual(12);
    expect(lines[0]).toBe(`OAuthError: ${err.message}`);
    for (const field of ["code: 'ERR_TOKENWARD_OAUTH'", 'status: 401', "error: 'invalid_client'", "errorDescription: 'Client authentication failed'"])
      expect(text).toContain(field);
    // Each attempt appears once, by number, with what it was sent as; the cause (the second attempt) is not repeated.
    expect(text.match(/token endpoint answered 401 invalid_client/g)).toHaveLength(2);
    expect(text).toMatch(/attempts:\n {4}1\. OAuthError: tokenward: token endpoint answered 401/);
    expect(text).toMatch(/\n {4}2\. OAuthError: tokenward: token endpoint answered 401/);
    expect(text).not.toContain('[cause]');
    expect(text).not.toContain('wrong-secret');
  });

  it('a cause that is not an attempt is shown once, on one line, without its stack', () => {
    const inner = new TypeError('fetch failed');
    const err = new NetworkError(ErrorCode.NETWORK, 'POST https://auth.example.com/token failed', { cause: Object.assign(inner, { code: 'ECONNREFUSED' }) });
    const text = inspect(err);
    expect(text).toContain("cause: TypeError: fetch failed (code: 'ECONNREFUSED')");
    expect(text.match(/^\s+at /gm)?.length ?? 0).toBeLessThanOrEqual(Error.stackTraceLimit);
    expect(text).not.toContain(inner.stack!.split('\n')[1]!);
    expect(inspect(new TokenwardError(ErrorCode.ABORTED, 'm', { cause: 'shutdown' }))).toContain("cause: 'shutdown'");
  });

  it('past the depth limit it is one line', () => {
    const err = new OAuthError(ErrorCode.OAUTH, 'refused', { status: 400, attempts: [new OAuthError(ErrorCode.OAUTH, 'first')] });
    expect(inspect({ err }, { depth: 0 })).toBe('{ err: [OAuthError: tokenward: refused] }');
  });
});
