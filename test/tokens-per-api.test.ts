/**
 * Many tokens from one client (issue 11, item 1): each distinct parameter set (scope as a set,
 * resources, audience, extra params) is its own cached token, with its own refresh token and
 * single-flight; never merged, never served another set's token, bounded in number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, TokenManager, type TokenManagerOptions, type TokenParameters } from '../src/index.js';
import { PARAMETER_KINDS } from '../src/token-params.js';
import { deferred, fakeEndpoint, json, type SeenRequest } from './helpers/fake-token-endpoint.js';

/** The parameter set a request asked for, as the server reads it. */
function setOf(req: SeenRequest): string {
  const f = req.form;
  return JSON.stringify([f.get('scope') ?? '', f.getAll('resource').sort(), f.get('audience') ?? '', f.get('tenant') ?? '']);
}

/** A token endpoint whose tokens name the set they were issued for: `<set>#<n>`. */
function issuingBySet(extra: Record<string, unknown> = {}) {
  return fakeEndpoint((req, n) => ({ access_token: `${setOf(req)}#${n}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${n}`, ...extra }));
}

const base = (extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  tokenUrl: 'https://auth.example.com/token',
  clientId: 'svc',
  clientSecret: 's3cret',
  clientAuth: 'basic',
  retry: false,
  ...extra,
});

describe('a token per parameter set', () => {
  it('sends each set on its token request: scope, repeated resource, audience, extra params', async () => {
    const endpoint = issuingBySet();
    const tm = new TokenManager(base({ fetch: endpoint.fetch, scope: 'read' }));
    await tm.getToken({ resource: ['https://b.example/', 'https://a.example/'], audience: 'orders', params: { tenant: 't1' } });
    const form = endpoint.requests[0]!.form;
    expect(form.getAll('resource')).toEqual(['https://a.example/', 'https://b.example/']);
    expect(form.get('audience')).toBe('orders');
    expect(form.get('tenant')).toBe('t1');
    // The manager's own scope applies unless the set names one.
    expect(form.get('scope')).toBe('read');
    await tm.getToken({ scope: ['write', 'read'] });
    expect(endpoint.requests[1]!.form.get('scope')).toBe('write read');
  });

  it('keeps one token per set, and the same set in any spelling is one token', async () => {
    const endpoint = issuingBySet();
    const tm = new TokenManager(base({ fetch: endpoint.fetch, scope: 'a b' }));
    const own = await tm.getToken();
    // The manager's own scope in another order is the manager's own token.
    expect(await tm.getToken({ scope: 'b a' })).toBe(own);
    expect(await tm.getToken({ scope: ['a', 'b', 'a'] })).toBe(own);
    const orders = await tm.getToken({ audience: 'orders' });
    const billing = await tm.getToken({ audience: 'billing' });
    expect(new Set([own.accessToken, orders.accessToken, billing.accessToken]).size).toBe(3);
    expect(await tm.getToken({ audience: 'orders' })).toBe(orders);
    expect(await tm.getToken({ resource: 'https://x.example/', scope: 'c d' })).toBe(
      await tm.getToken({ scope: ['d', 'c'], resource: ['https://x.example/'] }),
    );
    expect(endpoint.count()).toBe(4);
  });

  it('never merges concurrent acquisitions of different sets (DuendeSoftware/foss#360)', async () => {
    const gate = deferred<void>();
    const endpoint = fakeEndpoint(async (req, n) => {
      await gate.promise;
      return { access_token: `${setOf(req)}#${n}`, expires_in: 3600 };
    });
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    const a = tm.getToken({ resource: 'https://a.example/' });
    const b = tm.getToken({ resource: 'https://b.example/' });
    const a2 = tm.getToken({ resource: 'https://a.example/' });
    gate.resolve();
    const [ta, tb, ta2] = await Promise.all([a, b, a2]);
    expect(endpoint.count()).toBe(2);
    expect(ta.accessToken).toContain('https://a.example/');
    expect(tb.accessToken).toContain('https://b.example/');
    expect(ta2).toBe(ta);
  });

  it('1,000 concurrent callers over 10 sets: exactly 10 token requests, each caller holding its own set', async () => {
    const endpoint = issuingBySet();
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    const sets = Array.from({ length: 10 }, (_, i) => ({ audience: `api-${i}` }));
    const calls = Array.from({ length: 1_000 }, (_, i) => {
      const set = sets[i % 10]!;
      return tm.getToken(set).then((token) => ({ set, token }));
    });
    const results = await Promise.all(calls);
    expect(endpoint.count()).toBe(10);
    for (const { set, token } of results) expect(token.accessToken).toContain(`"${set.audience}"`);
  });

  it('each set renews with its own refresh token', async () => {
    const endpoint = issuingBySet({ expires_in: 3600 });
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    const a = await tm.getToken({ audience: 'a' });
    const b = await tm.getToken({ audience: 'b' });
    tm.invalidate(a);
    await tm.getToken({ audience: 'a' });
    tm.invalidate(b);
    await tm.getToken({ audience: 'b' });
    const refreshes = endpoint.requests.filter((r) => r.grant === 'refresh_token');
    expect(refreshes.map((r) => [r.form.get('refresh_token'), r.form.get('audience')])).toEqual([
      [a.refreshToken, 'a'],
      [b.refreshToken, 'b'],
    ]);
  });

  it('refuses malformed parameters with a ConfigError naming them (as a rejection, not a throw)', async () => {
    const tm = new TokenManager(base({ fetch: fakeEndpoint().fetch }));
    await expect(tm.getToken({ resource: 'not a uri' })).rejects.toBeInstanceOf(ConfigError);
    await expect(tm.getToken({ resource: 'https://a.example/#frag' })).rejects.toThrow(/resource/);
    await expect(tm.getToken({ audience: '' })).rejects.toThrow(/audience/);
    await expect(tm.getToken({ params: { n: {} as never } })).rejects.toThrow(/params\.n/);
    expect(() => tm.for({ scope: [1 as never] })).toThrow(/scope/);
  });
});

describe('a bounded number of sets', () => {
  it('drops the least recently used set beyond maxCachedTokens, releasing its session when logoff is configured', async () => {
    const endpoint = issuingBySet();
    const released: string[] = [];
    const fetch: typeof endpoint.fetch = async (input, init) => {
      if (String(input).endsWith('/logoff')) {
        released.push(new Headers(init?.headers).get('authorization') ?? '');
        return new Response(null, { status: 204 });
      }
      return endpoint.fetch(input, init);
    };
    const tm = new TokenManager(base({ fetch, maxCachedTokens: 2, logoff: { style: 'bearer', url: 'https://auth.example.com/logoff' } }));
    const t1 = await tm.getToken({ audience: 'one' });
    await tm.getToken({ audience: 'two' });
    await tm.getToken({ audience: 'one' }); // "one" used again: "two" is now the oldest
    await tm.getToken({ audience: 'three' });
    await new Promise((r) => setImmediate(r));
    expect(released).toHaveLength(1);
    expect(released[0]).toContain('"two"');
    // "one" is still cached; "two" comes back as a new token.
    expect(await tm.getToken({ audience: 'one' })).toBe(t1);
    await tm.getToken({ audience: 'two' });
    expect(endpoint.count()).toBe(4);
    await tm.logoff();
    expect(released).toHaveLength(4);
  });

  it('every parameter the lookup fast path cannot key by takes the full path: never the plain { audience } token', async () => {
    const samples: Record<string, unknown> = {
      params: { tenant: 'acme' },
      subjectToken: 'user-token-0123456789',
      subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt',
      actorToken: 'actor-token-0123456789',
      actorTokenType: 'urn:ietf:params:oauth:token-type:jwt',
      assertion: 'eyJ.assertion.sig',
    };
    const slow = Object.entries(PARAMETER_KINDS)
      .filter(([, kind]) => kind === 'slow')
      .map(([name]) => name);
    expect(Object.keys(samples).sort()).toEqual(slow.sort());
    const tm = new TokenManager(base({ fetch: issuingBySet().fetch }));
    const plain = await tm.getToken({ audience: 'a' });
    for (const name of slow) {
      // Served another set's token, or refused for this grant (a subject token without token exchange): never the plain one.
      const got = await tm.getToken({ audience: 'a', [name]: samples[name] } as TokenParameters).catch((err: unknown) => err);
      expect(got, name).not.toBe(plain);
    }
  });

  it('a view in use counts as used: the busiest view is not the one dropped', async () => {
    const endpoint = issuingBySet();
    const tm = new TokenManager(base({ fetch: endpoint.fetch, maxCachedTokens: 2 }));
    const busy = tm.for({ audience: 'busy' });
    const first = await busy.getToken();
    await tm.getToken({ audience: 'quiet' });
    await busy.getToken(); // used through the view, never looked up by the registry
    await tm.getToken({ audience: 'new' }); // one over the bound: "quiet" is the least recently used
    expect(await busy.getToken()).toBe(first);
    expect(endpoint.count()).toBe(3);
  });

  it('a caller passing ever-new values cannot grow the cache past the bound', async () => {
    const endpoint = issuingBySet({ refresh_token: undefined });
    const tm = new TokenManager(base({ fetch: endpoint.fetch, maxCachedTokens: 5 }));
    for (let i = 0; i < 200; i++) await tm.getToken({ audience: `tenant-${i}` });
    let cached = 0;
    for (let i = 0; i < 200; i++) if (tm.peekToken({ audience: `tenant-${i}` }) !== undefined) cached++;
    // Peeking creates nothing new to hold a token: at most the bound hold one.
    expect(cached).toBeLessThanOrEqual(5);
  });

  it('logoff() releases the session of every set the manager holds', async () => {
    const endpoint = issuingBySet();
    const revoked: string[] = [];
    const fetch: typeof endpoint.fetch = async (input, init) => {
      if (String(input).endsWith('/revoke')) {
        revoked.push(new URLSearchParams(String(init?.body)).get('token') ?? '');
        return new Response(null, { status: 200 });
      }
      return endpoint.fetch(input, init);
    };
    const tm = new TokenManager(base({ fetch, logoff: { style: 'revoke', url: 'https://auth.example.com/revoke', tokens: ['refresh_token'] } }));
    await tm.getToken();
    await tm.getToken({ audience: 'a' });
    await tm.getToken({ resource: 'https://b.example/' });
    await tm.logoff();
    expect(revoked.sort()).toEqual(['rt-1', 'rt-2', 'rt-3']);
  });
});

describe('tm.for(...): a view of one set', () => {
  it('its getToken, peekToken and fetch use its own token', async () => {
    const endpoint = issuingBySet();
    const sent: string[] = [];
    const fetch: typeof endpoint.fetch = async (input, init) => {
      if (String(input).startsWith('https://orders.example.com')) {
        sent.push(new Headers(init?.headers).get('authorization') ?? '');
        return json({ ok: true });
      }
      return endpoint.fetch(input, init);
    };
    const tm = new TokenManager(base({ fetch, allowedOrigins: ['https://orders.example.com'] }));
    const orders = tm.for({ audience: 'https://orders.example.com' });
    const token = await orders.getToken();
    expect(orders.peekToken()).toBe(token);
    expect(tm.peekToken()).toBeUndefined();
    await orders.fetch('https://orders.example.com/v1/open');
    expect(sent).toEqual([`Bearer ${token.accessToken}`]);
    expect(await tm.getToken({ audience: 'https://orders.example.com' })).toBe(token);
  });

  it('keeps working after the registry dropped its set (looks it up again, acquires afresh)', async () => {
    const endpoint = issuingBySet();
    const tm = new TokenManager(base({ fetch: endpoint.fetch, maxCachedTokens: 1 }));
    const a = tm.for({ audience: 'a' });
    const first = await a.getToken();
    await tm.getToken({ audience: 'b' }); // drops "a"
    const second = await a.getToken();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.accessToken).toContain('"a"');
  });
});

describe('property: random interleavings never hand a caller another set’s token', () => {
  const paramSet = fc.record(
    {
      scope: fc.option(fc.subarray(['read', 'write', 'admin'], { minLength: 1 }), { nil: undefined }),
      resource: fc.option(fc.subarray(['https://a.example/', 'https://b.example/'], { minLength: 1 }), { nil: undefined }),
      audience: fc.option(fc.constantFrom('orders', 'billing'), { nil: undefined }),
    },
    { requiredKeys: [] },
  );

  it('holds for any sequence of concurrent and sequential calls, invalidations and evictions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(paramSet, fc.constantFrom('call', 'call', 'call', 'invalidate', 'yield')), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        async (steps, bound) => {
          const endpoint = fakeEndpoint(async (req, n) => {
            if (n % 3 === 0) await new Promise((r) => setImmediate(r));
            return { access_token: `${setOf(req)}#${n}`, expires_in: 3600, refresh_token: `rt-${n}` };
          });
          const tm = new TokenManager(base({ fetch: endpoint.fetch, maxCachedTokens: bound }));
          const pending: Array<Promise<void>> = [];
          for (const [set, action] of steps) {
            const params = set as TokenParameters;
            if (action === 'yield') await new Promise((r) => setImmediate(r));
            else if (action === 'invalidate') tm.peekToken(params) && tm.invalidate(tm.peekToken(params));
            else pending.push(tm.getToken(params).then((token) => expect(token.accessToken.split('#')[0]).toBe(expectedSet(params))));
          }
          await Promise.all(pending);
        },
      ),
      { numRuns: 150, seed: 20261129 },
    );
  });
});

/** The set a request for `params` carries, as {@link setOf} reads it (no manager scope configured). */
function expectedSet(params: TokenParameters): string {
  const scope = params.scope === undefined ? '' : [...new Set(params.scope as string[])].join(' ');
  const resources = params.resource === undefined ? [] : [...new Set(params.resource as string[])].sort();
  return JSON.stringify([scope, resources, params.audience ?? '', '']);
}
