/**
 * A lifetime under a second is "unknown", never "expired": `expires_in: 0`, or a JWT whose `exp` is
 * already past on this host's clock, used to make every call cost a token request (issue 9, defect 9).
 * Then the JWT's own lifetime (`exp - iat`, immune to skew between hosts; else `exp - now`) is used,
 * else `defaultExpiresIn`. A negative `expires_in` stays an error.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, normalizeTokenResponse, TokenManager, type TokenwardError } from '../src/index.js';
import { fakeEndpoint } from './helpers/fake-token-endpoint.js';

const NOW = 1_700_000_000_000;
const NOW_S = NOW / 1000;
const jwt = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const lifetimeOf = (fields: Record<string, unknown>, defaultExpiresIn?: number) => {
  const body = JSON.stringify({ access_token: 'opaque', token_type: 'Bearer', ...fields });
  const t = normalizeTokenResponse(
    { status: 200, headers: { 'content-type': 'application/json' }, body },
    { now: NOW, ...(defaultExpiresIn !== undefined ? { defaultExpiresIn } : {}) },
  );
  return (t.expiresAt - NOW) / 1000;
};

describe('lifetimes under a second count as unknown', () => {
  it.each([0, '0', 0.5, '0.999'])('expires_in %j → defaultExpiresIn', (value) => {
    expect(lifetimeOf({ expires_in: value })).toBe(300);
    expect(lifetimeOf({ expires_in: value }, 42)).toBe(42);
  });

  it('expires_in 0 with a JWT access token → the JWT lifetime (exp - iat)', () => {
    expect(lifetimeOf({ expires_in: 0, access_token: jwt({ iat: NOW_S - 10, exp: NOW_S + 590 }) })).toBe(600);
  });

  it('expires_in of exactly one second is believed', () => {
    expect(lifetimeOf({ expires_in: 1 })).toBe(1);
  });

  it('a negative expires_in is still an error', () => {
    expect(() => lifetimeOf({ expires_in: -1 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_TOKEN_RESPONSE }) as unknown as Error);
    expect(() => lifetimeOf({ expires_in: '-0.5' })).toThrow(/expires_in is negative/);
  });
});

describe("a JWT's lifetime", () => {
  it('is exp - iat when both are numbers, whatever this host’s clock says', () => {
    // The issuer's clock is an hour behind ours: exp is already past here, yet the token lives 300 s.
    expect(lifetimeOf({ access_token: jwt({ iat: NOW_S - 3_600, exp: NOW_S - 3_300 }) })).toBe(300);
    // An hour ahead: the same 300 s, not 3 900.
    expect(lifetimeOf({ access_token: jwt({ iat: NOW_S + 3_600, exp: NOW_S + 3_900 }) })).toBe(300);
  });

  it('is exp - now without a numeric iat', () => {
    expect(lifetimeOf({ access_token: jwt({ exp: NOW_S + 120 }) })).toBe(120);
    expect(lifetimeOf({ access_token: jwt({ exp: NOW_S + 120, iat: 'yesterday' }) })).toBe(120);
  });

  it.each([
    ['exp already past, no iat', { exp: NOW_S - 50 }],
    ['exp in under a second, no iat', { exp: NOW_S + 0.5 }],
    ['iat after exp', { iat: NOW_S + 10, exp: NOW_S }],
    ['iat equal to exp', { iat: NOW_S, exp: NOW_S }],
  ])('non-positive or under a second (%s) → defaultExpiresIn', (_, claims) => {
    expect(lifetimeOf({ access_token: jwt(claims) })).toBe(300);
    expect(lifetimeOf({ access_token: jwt(claims) }, 42)).toBe(42);
  });
});

describe('through a TokenManager: one token request for many calls', () => {
  const calls = 20;

  it.each([
    ['expires_in: 0', () => ({ access_token: 'zero-life', token_type: 'Bearer', expires_in: 0 })],
    ['expires_in: "0"', () => ({ access_token: 'zero-life', token_type: 'Bearer', expires_in: '0' })],
    [
      'a JWT whose exp is past on this clock (issuer an hour behind), no expires_in',
      () => {
        const now = Math.floor(Date.now() / 1000);
        return { access_token: jwt({ iat: now - 3_600, exp: now - 3_300 }), token_type: 'Bearer' };
      },
    ],
    ['a JWT whose exp is past, without iat', () => ({ access_token: jwt({ exp: Math.floor(Date.now() / 1000) - 60 }), token_type: 'Bearer' })],
  ])('%s', async (_, answer) => {
    const endpoint = fakeEndpoint(() => answer());
    const tm = new TokenManager({
      tokenUrl: 'https://auth.example.com/token',
      clientId: 'c',
      clientSecret: 's',
      clientAuth: 'body',
      fetch: endpoint.fetch,
      retry: false,
    });
    const seen = new Set<string>();
    for (let i = 0; i < calls; i++) seen.add((await tm.getToken()).accessToken);
    const token = await tm.getToken();
    expect(endpoint.count()).toBe(1);
    expect(seen.size).toBe(1);
    expect(token.expiresAt - token.receivedAt).toBeGreaterThanOrEqual(300_000);
  });

  it('a negative expires_in fails the acquisition with a typed error', async () => {
    const endpoint = fakeEndpoint(() => ({ access_token: 'x', token_type: 'Bearer', expires_in: -5 }));
    const tm = new TokenManager({
      tokenUrl: 'https://auth.example.com/token',
      clientId: 'c',
      clientSecret: 's',
      clientAuth: 'body',
      fetch: endpoint.fetch,
      retry: false,
    });
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err.code).toBe(ErrorCode.INVALID_TOKEN_RESPONSE);
  });
});
