/**
 * Races and failures around the cache: logoff or invalidate while a token is being acquired, a failing
 * or stale token store, a background refresh that fails while callers wait.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, MemoryTokenStore, type Token, TokenManager, type TokenManagerOptions, type TokenStore, type TokenwardError } from '../src/index.js';
import { deferred, type FakeEndpoint, fakeEndpoint, json } from './helpers/fake-token-endpoint.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';

function manager(ep: FakeEndpoint, options: Partial<TokenManagerOptions> = {}): TokenManager {
  return new TokenManager({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: 'client-s3cret', clientAuth: 'body', fetch: ep.fetch, ...options });
}

const advance = (seconds: number) => vi.advanceTimersByTimeAsync(seconds * 1000);

/** A token endpoint that also answers Veeam-style `DELETE /oauth/token` logoffs with 204. */
function endpointWithLogoff(lifetime = 600): FakeEndpoint {
  return fakeEndpoint((req, n) => (req.method === 'DELETE' ? new Response(null, { status: 204 }) : { access_token: `at-${n}`, expires_in: lifetime }));
}

/** A store whose every method fails, as a Redis that went away does. */
class BrokenStore implements TokenStore {
  get(): Promise<Token | undefined> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
  set(): void {
    throw new Error('READONLY You cannot write against a read only replica.');
  }
  delete(): Promise<void> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
  lock(): Promise<undefined> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('logoff racing an acquisition', () => {
  it('leaves no proactive timer behind when logoff() lands while a token is being acquired', async () => {
    const ep = endpointWithLogoff();
    const gate = deferred<Record<string, unknown>>();
    ep.queue.push(() => gate.promise);
    const tm = manager(ep, { proactive: true, logoff: { style: 'bearer' } });
    const pending = tm.getToken();
    const loggingOff = tm.logoff();
    gate.resolve({ access_token: 'in-flight', expires_in: 600 });
    expect((await pending).accessToken).toBe('in-flight');
    await loggingOff;
    // The token acquired during logoff was released, and nothing is scheduled to renew it.
    expect(ep.requests.map((r) => `${r.method} ${r.headers.get('authorization') ?? ''}`.trim())).toEqual(['POST', 'DELETE Bearer in-flight']);
    expect(vi.getTimerCount()).toBe(0);
    await advance(3_600);
    expect(ep.count()).toBe(2);
  });

  it('never hands out a logged-off token that a failing store could not forget', async () => {
    const ep = endpointWithLogoff();
    const memory = new MemoryTokenStore();
    const store: TokenStore = { get: (k) => memory.get(k), set: (k, t) => memory.set(k, t), delete: () => Promise.reject(new Error('store down')) };
    const tm = manager(ep, { store, logoff: { style: 'bearer' } });
    const storeErrors: TokenwardError[] = [];
    tm.on('store-error', (e) => storeErrors.push(e));
    expect((await tm.getToken()).accessToken).toBe('at-1');
    await tm.logoff();
    expect(storeErrors).toHaveLength(1);
    // The store still holds at-1, which the server has just released.
    expect((await tm.getToken()).accessToken).toBe('at-3');
  });
});

describe('invalidate racing an acquisition', () => {
  it('does not fall back to a token the API rejected while its renewal was in flight', async () => {
    const ep = endpointWithLogoff();
    const tm = manager(ep, { retry: false });
    const first = await tm.getToken();
    await advance(550); // expiring, but usable until 600 s
    const gate = deferred<Response>();
    ep.queue.push(() => gate.promise);
    const renewing = tm.getToken().catch((e: unknown) => e);
    // Meanwhile an API call answered 401 with the old token (a second login ended the session: Veeam).
    tm.invalidate(first);
    const afterInvalidate = tm.getToken().catch((e: unknown) => e);
    gate.resolve(new Response('down', { status: 503 }));
    for (const result of [await renewing, await afterInvalidate]) {
      expect((result as TokenwardError).status).toBe(503);
    }
    expect(tm.peekToken()).toBeUndefined();
    expect((await tm.getToken()).accessToken).toBe('at-3');
  });

  it('caches the new token when invalidate() lands while a renewal is in flight', async () => {
    const ep = endpointWithLogoff();
    const tm = manager(ep);
    const first = await tm.getToken();
    const gate = deferred<Record<string, unknown>>();
    ep.queue.push(() => gate.promise);
    const renewing = tm.getToken({ forceRefresh: true });
    tm.invalidate(first);
    gate.resolve({ access_token: 'renewed', expires_in: 600 });
    expect((await renewing).accessToken).toBe('renewed');
    expect(tm.peekToken()?.accessToken).toBe('renewed');
    expect(ep.count()).toBe(2);
  });
});

describe('proactive refresh that fails', () => {
  it('serves callers who joined a failing background refresh with the still-valid token, then retries on demand', async () => {
    const ep = endpointWithLogoff();
    const tm = manager(ep, { proactive: true, retry: false });
    const errors: TokenwardError[] = [];
    tm.on('error', (e) => errors.push(e));
    await tm.getToken();
    const gate = deferred<Response>();
    ep.queue.push(() => gate.promise);
    await advance(536); // the background refresh starts 5 s before the 540 s skew point
    expect(ep.count()).toBe(2);
    await advance(5); // now the token is expiring: a caller joins the background refresh
    const joined = tm.getToken();
    gate.resolve(new Response('down', { status: 503 }));
    expect((await joined).accessToken).toBe('at-1');
    expect(errors).toHaveLength(1);
    expect((await tm.getToken()).accessToken).toBe('at-3');
    await tm.logoff();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('token store', () => {
  it('carries on without a store that fails, reporting each failure without a token in it', async () => {
    const ep = endpointWithLogoff();
    const tm = manager(ep, { store: new BrokenStore() });
    const storeErrors: TokenwardError[] = [];
    tm.on('store-error', (e) => storeErrors.push(e));
    const results = await Promise.all([tm.getToken(), tm.getToken(), tm.getToken()]);
    expect(results.map((t) => t.accessToken)).toEqual(['at-1', 'at-1', 'at-1']);
    expect((await tm.getToken()).accessToken).toBe('at-1');
    tm.invalidate();
    expect((await tm.getToken()).accessToken).toBe('at-2');
    await tm.logoff();
    expect(ep.count()).toBe(2);
    expect(storeErrors.length).toBeGreaterThanOrEqual(4);
    expect(storeErrors.every((e) => e.code === ErrorCode.STORE)).toBe(true);
    expect(JSON.stringify(storeErrors.map((e) => [e.message, e.toJSON()]))).not.toMatch(/at-\d/);
  });

  it('adopts a fresh token another manager stored, but not an expiring one', async () => {
    const ep = endpointWithLogoff();
    const store = new MemoryTokenStore();
    const a = manager(ep, { store });
    const b = manager(ep, { store });
    expect(a.cacheKey).toBe(b.cacheKey);
    const how: string[] = [];
    b.on('token', (e) => how.push(e.how));
    expect((await a.getToken()).accessToken).toBe('at-1');
    expect((await b.getToken()).accessToken).toBe('at-1');
    expect(ep.count()).toBe(1);
    await advance(540);
    // at-1 is expiring for both: b acquires anew rather than adopting it again.
    expect((await b.getToken()).accessToken).toBe('at-2');
    expect((await a.getToken()).accessToken).toBe('at-2');
    expect(how).toEqual(['store', 'grant']);
    expect(ep.count()).toBe(2);
  });

  it('does not adopt from the store a token it invalidated, even before the deletion lands', async () => {
    const ep = endpointWithLogoff();
    const memory = new MemoryTokenStore();
    // An eventually consistent store: deletions land a second later.
    const store: TokenStore = {
      get: (k) => memory.get(k),
      set: (k, t) => memory.set(k, t),
      delete: (k) => new Promise<void>((resolve) => setTimeout(() => resolve(memory.delete(k)), 1_000)),
    };
    const tm = manager(ep, { store });
    const first = await tm.getToken();
    tm.invalidate(first);
    expect((await tm.getToken()).accessToken).toBe('at-2');
    await advance(1);
    tm.invalidate();
    expect((await tm.getToken()).accessToken).toBe('at-3');
    const loggingOff = tm.logoff();
    await advance(1);
    await loggingOff;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a shared store re-validated in the background (revalidateMs)', () => {
  it('does not re-adopt an invalidated token that the store failed to forget', async () => {
    const ep = endpointWithLogoff();
    const memory = new MemoryTokenStore();
    let writesFail = false;
    const store: TokenStore = {
      revalidateMs: 1_000,
      get: (k) => memory.get(k),
      set: (k, t) => (writesFail ? Promise.reject(new Error('READONLY')) : memory.set(k, t)),
      delete: (k) => (writesFail ? Promise.reject(new Error('READONLY')) : memory.delete(k)),
    };
    const tm = manager(ep, { store });
    const first = await tm.getToken();
    writesFail = true;
    tm.invalidate(first); // the API rejected at-1; the store keeps it
    expect((await tm.getToken()).accessToken).toBe('at-2');
    await advance(1);
    await tm.getToken(); // due for re-validation: the store still says at-1
    await advance(0);
    expect((await tm.getToken()).accessToken).toBe('at-2');
    expect(tm.peekToken()?.accessToken).toBe('at-2');
  });
});

describe('refresh fallback under a store', () => {
  it('uses the newest rotated refresh token whether it came from this manager or the store', async () => {
    let latest = '';
    const ep = fakeEndpoint((req, n) => {
      if (req.grant === 'refresh_token' && req.form.get('refresh_token') !== latest) return json({ error: 'invalid_grant' }, 400);
      latest = `rt-${n}`;
      return { access_token: `at-${n}`, expires_in: 600, refresh_token: latest };
    });
    const store = new MemoryTokenStore();
    const a = manager(ep, { store });
    const b = manager(ep, { store });
    await a.getToken();
    await b.getToken();
    await advance(540);
    await a.getToken(); // rotates: rt-2
    await advance(540);
    await b.getToken(); // b's own copy holds rt-1; the store holds rt-2
    expect(ep.requests.map((r) => r.grant)).toEqual(['client_credentials', 'refresh_token', 'refresh_token']);
    expect(ep.requests[2]!.form.get('refresh_token')).toBe('rt-2');
  });
});
