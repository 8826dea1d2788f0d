/**
 * RFC 8693 token exchange (issue 11, item 2): the request fields, a cached token per subject token (a
 * new subject token means a new exchange, never another user's token), keys that hold only hashes of
 * subject tokens, `issued_token_type` on the Token, and subject tokens kept out of every error.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ErrorCode,
  MemoryTokenStore,
  type Token,
  TokenManager,
  type TokenManagerOptions,
  type TokenStore,
  type TokenwardError,
} from '../src/index.js';
import { decodeEntry, encodeEntry } from '../src/redis-codec.js';
import { fakeEndpoint, json, type SeenRequest } from './helpers/fake-token-endpoint.js';

const TE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';
const USER_A = 'eyJhbGciOiJub25lIn0.user-a-subject-token-1111.sig';
const USER_B = 'eyJhbGciOiJub25lIn0.user-b-subject-token-2222.sig';

/** An exchange endpoint whose tokens name the subject and audience they were issued for. */
function exchanging() {
  return fakeEndpoint((req: SeenRequest, n) => ({
    access_token: `for:${req.form.get('subject_token')?.slice(20, 26) ?? '-'}:${req.form.get('audience') ?? ''}#${n}`,
    issued_token_type: AT,
    token_type: 'Bearer',
    expires_in: 3600,
  }));
}

const base = (extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  tokenUrl: 'https://auth.example.com/token',
  clientId: 'gateway',
  clientSecret: 'gw-secret-1',
  clientAuth: 'basic',
  grant: 'token_exchange',
  retry: false,
  ...extra,
});

describe('token exchange requests', () => {
  it('sends the RFC 8693 fields, the set’s audience and resource, and keeps issued_token_type', async () => {
    const endpoint = exchanging();
    const tm = new TokenManager(
      base({ fetch: endpoint.fetch, subjectToken: USER_A, actorToken: 'actor-token-xyz', actorTokenType: 'jwt', requestedTokenType: 'access_token' }),
    );
    const token = await tm.getToken({ audience: 'orders', resource: 'https://orders.example/' });
    const form = endpoint.requests[0]!.form;
    expect([...form.keys()]).toEqual([
      'grant_type',
      'subject_token',
      'subject_token_type',
      'actor_token',
      'actor_token_type',
      'requested_token_type',
      'resource',
      'audience',
    ]);
    expect(form.get('grant_type')).toBe(TE);
    expect(form.get('subject_token')).toBe(USER_A);
    expect(form.get('subject_token_type')).toBe(AT);
    expect(form.get('actor_token_type')).toBe('urn:ietf:params:oauth:token-type:jwt');
    expect(form.get('requested_token_type')).toBe(AT);
    expect(endpoint.requests[0]!.headers.get('authorization')).toMatch(/^Basic /);
    expect(token.issuedTokenType).toBe(AT);
    // A fleet's Redis keeps it too.
    expect(decodeEntry(encodeEntry(token, 0))?.token.issuedTokenType).toBe(AT);
  });

  it('requestedTokenType other than an access token: the N_A token_type of RFC 8693 §2.2.1 is accepted', async () => {
    const endpoint = fakeEndpoint(() => ({
      access_token: 'eyJ.id-token.sig',
      token_type: 'N_A',
      issued_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      expires_in: 300,
    }));
    const tm = new TokenManager(base({ fetch: endpoint.fetch, subjectToken: USER_A, requestedTokenType: 'id_token' }));
    const token = await tm.getToken();
    expect([token.tokenType, token.issuedTokenType]).toEqual(['N_A', 'urn:ietf:params:oauth:token-type:id_token']);
    // Asking for an access token, N_A is still refused: it could not be sent to an API.
    const strict = new TokenManager(base({ fetch: endpoint.fetch, subjectToken: USER_A }));
    expect(await strict.getToken().catch((e: TokenwardError) => e.code)).toBe(ErrorCode.UNSUPPORTED_TOKEN_TYPE);
  });

  it('calls a subjectToken function for every token request, not on a cache hit', async () => {
    const endpoint = exchanging();
    let calls = 0;
    const tm = new TokenManager(base({ fetch: endpoint.fetch, subjectToken: () => (++calls % 2 ? USER_A : USER_B) }));
    await tm.getToken();
    await tm.getToken();
    expect(calls).toBe(1);
    await tm.getToken({ forceRefresh: true });
    expect(calls).toBe(2);
    expect(endpoint.requests.map((r) => r.form.get('subject_token'))).toEqual([USER_A, USER_B]);
  });

  it('a refresh of an exchanged token sends its refresh token and audience, never the subject token', async () => {
    const endpoint = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, refresh_token: `rt-${n}`, expires_in: 3600, issued_token_type: AT }));
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    const view = tm.for({ subjectToken: USER_A, audience: 'orders' });
    const first = await view.getToken();
    view.invalidate(first);
    await view.getToken();
    const refresh = endpoint.requests[1]!.form;
    expect(refresh.get('grant_type')).toBe('refresh_token');
    expect(refresh.get('audience')).toBe('orders');
    expect(refresh.get('subject_token')).toBeNull();
  });
});

describe('a cached token per subject token', () => {
  it('tm.for({ subjectToken }) is an on-behalf-of view per user: one exchange each, never another user’s token', async () => {
    const endpoint = exchanging();
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    const alice = await tm.for({ subjectToken: USER_A, audience: 'orders' }).getToken();
    const bob = await tm.for({ subjectToken: USER_B, audience: 'orders' }).getToken();
    expect(alice.accessToken).toMatch(/^for:user-a:orders#/);
    expect(bob.accessToken).toMatch(/^for:user-b:orders#/);
    // The same user again: the cached token, whichever way it is asked for.
    expect(await tm.for({ audience: 'orders', subjectToken: USER_A }).getToken()).toBe(alice);
    expect(await tm.getToken({ audience: 'orders', subjectToken: USER_A })).toBe(alice);
    expect(await tm.getToken({ audience: 'orders', subjectToken: USER_B })).toBe(bob);
    expect(endpoint.count()).toBe(2);
  });

  it('one audience in plain strings, two subject tokens: the fast lookups never merge them', async () => {
    const endpoint = exchanging();
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    // Warm the audience-only fast path first, then ask with subject tokens on the same audience.
    const a = await tm.getToken({ audience: 'orders', subjectToken: USER_A });
    const b = await tm.getToken({ audience: 'orders', subjectToken: USER_B });
    expect(a.accessToken).toMatch(/user-a/);
    expect(b.accessToken).toMatch(/user-b/);
    expect(await tm.getToken({ audience: 'orders', subjectToken: USER_A })).toBe(a);
  });

  it('keys hold a hash of the subject token, never the token: store keys, inspect and JSON of the manager', async () => {
    const endpoint = exchanging();
    const keys: string[] = [];
    const memory = new MemoryTokenStore();
    const store: TokenStore = {
      get: (key) => (keys.push(key), memory.get(key)),
      set: (key, token) => (keys.push(key), memory.set(key, token)),
      delete: (key) => memory.delete(key),
    };
    const tm = new TokenManager(base({ fetch: endpoint.fetch, store, subjectToken: USER_B }));
    await tm.getToken();
    await tm.for({ subjectToken: USER_A }).getToken();
    const seen = [...keys, tm.cacheKey, inspect(tm, { depth: 10, showHidden: true }), JSON.stringify(tm)].join('\n');
    for (const secret of [USER_A, USER_B, 'user-a-subject', 'user-b-subject']) expect(seen).not.toContain(secret);
    expect(new Set(keys).size).toBe(2);
  });

  it('1,000 concurrent callers for 10 users: exactly 10 exchanges, each caller holding its own user’s token', async () => {
    const endpoint = exchanging();
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    const users = Array.from({ length: 10 }, (_, i) => `eyJhbGciOiJub25lIn0.user-${i}-subjectXXXXXXXXXX.sig`);
    const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => tm.getToken({ subjectToken: users[i % 10]! }).then((t) => [i % 10, t] as const)));
    expect(endpoint.count()).toBe(10);
    for (const [user, token] of results) expect(token.accessToken).toMatch(new RegExp(`^for:user-${user}:`));
  });

  it('property: random interleavings of users and audiences never return another pair’s token', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('orders', 'billing', undefined), fc.boolean()), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 3 }),
        async (steps, bound) => {
          const endpoint = fakeEndpoint(async (req, n) => {
            if (n % 2 === 0) await new Promise((r) => setImmediate(r));
            return { access_token: `${req.form.get('subject_token')}|${req.form.get('audience') ?? ''}|${n}`, expires_in: 3600 };
          });
          const tm = new TokenManager(base({ fetch: endpoint.fetch, maxCachedTokens: bound }));
          const pending = steps.map(async ([user, audience, wait]) => {
            if (wait) await new Promise((r) => setImmediate(r));
            const subjectToken = `subject-token-of-user-${user}`;
            const token = await tm.getToken(audience === undefined ? { subjectToken } : { subjectToken, audience });
            expect(token.accessToken.split('|').slice(0, 2)).toEqual([subjectToken, audience ?? '']);
          });
          await Promise.all(pending);
        },
      ),
      { numRuns: 100, seed: 20261130 },
    );
  });
});

describe('mistakes and secrets', () => {
  it('refuses subject tokens without grant token_exchange, and bad types, naming them and never quoting a token', async () => {
    const cc = new TokenManager({ tokenUrl: 'https://auth.example.com/token', clientId: 'svc', fetch: fakeEndpoint().fetch });
    const err = await cc.getToken({ subjectToken: USER_A }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/subjectToken.*token_exchange/);
    expect(() => new TokenManager({ tokenUrl: 'https://a.example/token', subjectToken: USER_A })).toThrow(/`subjectToken` is for `grant: 'token_exchange'`/);
    const typed = (() => {
      try {
        new TokenManager(base({ subjectToken: 123 as never }));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(typed?.message).toMatch(/option `subjectToken` must be a non-empty string or a function/);
    expect(() => new TokenManager(base({ subjectTokenType: 'nope' as never }))).toThrow(/subjectTokenType/);
    const tm = new TokenManager(base({ fetch: fakeEndpoint().fetch }));
    await expect(tm.getToken({ subjectToken: '' })).rejects.toThrow(/`subjectToken` must be a non-empty string/);
    await expect(tm.getToken()).rejects.toThrow(/needs a subject token/);
  });

  it('a subjectToken function that fails or answers nothing: typed errors, never retried', async () => {
    const endpoint = exchanging();
    const throwing = new TokenManager(
      base({
        fetch: endpoint.fetch,
        retry: { retries: 3 },
        subjectToken: () => {
          throw new Error('token file missing');
        },
      }),
    );
    expect(await throwing.getToken().catch((e: TokenwardError) => e.code)).toBe(ErrorCode.CALLBACK);
    const empty = new TokenManager(base({ fetch: endpoint.fetch, subjectToken: async () => '' }));
    const err = (await empty.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err.code).toBe(ErrorCode.GRANT);
    expect(err.message).toMatch(/option `subjectToken` must return a non-empty string, got an empty string/);
    expect(endpoint.count()).toBe(0);
  });

  it('a server that echoes the subject and actor tokens in its error: scrubbed from the error and its excerpt', async () => {
    const endpoint = fakeEndpoint((req) =>
      json({ error: 'invalid_grant', error_description: `subject ${req.form.get('subject_token')} and actor ${req.form.get('actor_token')} refused` }, 400),
    );
    const tm = new TokenManager(base({ fetch: endpoint.fetch, actorToken: async () => 'actor-token-from-fn-9999' }));
    const err = (await tm.getToken({ subjectToken: USER_A }).catch((e: unknown) => e)) as TokenwardError;
    expect(err.error).toBe('invalid_grant');
    const shown = JSON.stringify({ ...err, message: err.message, excerpt: err.bodyExcerpt, description: err.errorDescription });
    expect(shown).not.toContain(USER_A);
    expect(shown).not.toContain('actor-token-from-fn-9999');
    expect(shown).toContain('[redacted]');
  });

  it('the token of another subject is never adopted from a shared store: each subject has its own key', async () => {
    const endpoint = exchanging();
    const store = new MemoryTokenStore();
    const one = new TokenManager(base({ fetch: endpoint.fetch, store }));
    const two = new TokenManager(base({ fetch: endpoint.fetch, store }));
    const a: Token = await one.getToken({ subjectToken: USER_A });
    // The other instance, same user: adopted from the store. Another user: a new exchange.
    expect((await two.getToken({ subjectToken: USER_A })).accessToken).toBe(a.accessToken);
    expect((await two.getToken({ subjectToken: USER_B })).accessToken).toMatch(/user-b/);
    expect(endpoint.count()).toBe(2);
  });
});
