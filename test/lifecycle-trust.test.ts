/**
 * Lifecycle defects a review found (issue 9): deadlines that follow a wall clock stepped backwards
 * (defect 15), a re-validation that takes a stale shared entry for ours (defect 6), and errors from
 * the caller's own functions reported as network errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryTokenStore, type Token, TokenManager, type TokenManagerOptions } from '../src/index.js';
import { fakeEndpoint, json } from './helpers/fake-token-endpoint.js';

afterEach(() => {
  vi.useRealTimers();
});

const base = (extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  tokenUrl: 'https://auth.example.com/token',
  clientId: 'svc',
  clientSecret: 's3cret',
  clientAuth: 'basic',
  retry: false,
  ...extra,
});

describe('deadlines follow elapsed time, not the wall clock (issue 9 defect 15)', () => {
  it('a wall clock stepped backwards does not keep an expired token in use', async () => {
    vi.useFakeTimers();
    const endpoint = fakeEndpoint();
    const tm = new TokenManager(base({ fetch: endpoint.fetch, refreshSkew: 60 }));
    expect((await tm.getToken()).accessToken).toBe('at-1');
    // 50 minutes pass, then NTP steps the clock back an hour, then 15 more minutes pass: the token
    // (1 hour) has lived 65 minutes, though the wall clock says 5.
    vi.advanceTimersByTime(50 * 60_000);
    vi.setSystemTime(Date.now() - 60 * 60_000);
    vi.advanceTimersByTime(15 * 60_000);
    expect(tm.peekToken()).toBeUndefined();
    expect((await tm.getToken()).accessToken).toBe('at-2');
  });

  it('a wall clock stepped forwards does not renew a token that is still good', async () => {
    vi.useFakeTimers();
    const endpoint = fakeEndpoint();
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    await tm.getToken();
    vi.setSystemTime(Date.now() + 2 * 60 * 60_000);
    for (let i = 0; i < 10; i++) await tm.getToken();
    expect(endpoint.count()).toBe(1);
    expect(tm.peekToken()?.accessToken).toBe('at-1');
  });

  it('the Token keeps epoch-ms expiresAt for users, as the local clock read it on arrival', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const endpoint = fakeEndpoint();
    const tm = new TokenManager(base({ fetch: endpoint.fetch }));
    const token = await tm.getToken();
    expect(token.receivedAt).toBe(1_000_000);
    expect(token.expiresAt).toBe(1_000_000 + 3_600_000);
  });

  it('the proactive timer follows elapsed time too', async () => {
    vi.useFakeTimers();
    const endpoint = fakeEndpoint();
    const tm = new TokenManager(base({ fetch: endpoint.fetch, proactive: true, refreshSkew: 60 }));
    await tm.getToken();
    vi.setSystemTime(Date.now() + 3 * 60 * 60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(endpoint.count()).toBe(1);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(endpoint.count()).toBe(2);
    await tm.logoff();
  });
});

/** A shared store that asks managers to re-read it every second. */
class SharedStore extends MemoryTokenStore {
  readonly revalidateMs = 1_000;
  failing = false;
  override set(key: string, token: Token): void {
    if (this.failing) throw new Error('store down');
    super.set(key, token);
  }
}

describe('re-validation against a shared store (issue 9 defect 6)', () => {
  it('publishes our fresh token when the store holds a different, stale one', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const store = new SharedStore();
    const endpoint = fakeEndpoint((_req, n) => ({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: n === 1 ? 100 : 3600 }));
    const old = new TokenManager(base({ fetch: endpoint.fetch, store }));
    await old.getToken();
    // at-1 (100 s) is in the store. Another manager acquires at-2 while the store is down.
    store.failing = true;
    const tm = new TokenManager(base({ fetch: endpoint.fetch, store }));
    await tm.getToken({ forceRefresh: true });
    store.failing = false;
    // at-1 goes stale in the store; our at-2 is fresh. Re-validation must publish at-2.
    vi.advanceTimersByTime(70_000);
    await tm.getToken();
    await vi.waitFor(() => expect(store.get(tm.cacheKey)?.accessToken).toBe('at-2'));
    // And when at-1's entry would have gone, at-2 stays in use without a new token request.
    vi.advanceTimersByTime(60_000);
    await tm.getToken();
    await new Promise((r) => setImmediate(r));
    await tm.getToken();
    expect(endpoint.count()).toBe(2);
  });
});

describe("errors from the caller's own functions are not network errors", () => {
  it('mapError that throws: a typed callback error naming the option', async () => {
    const endpoint = fakeEndpoint(() => json({ error: 'invalid_client' }, 401));
    const tm = new TokenManager(
      base({
        fetch: endpoint.fetch,
        mapError: () => {
          throw new TypeError('mapper bug');
        },
      }),
    );
    const err = await tm.getToken().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_TOKENWARD_CALLBACK' });
    expect((err as Error).message).toContain('mapError');
    expect((err as Error).message).not.toMatch(/network/i);
  });
});
