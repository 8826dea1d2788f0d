/**
 * The store contract's compare-and-delete: `MemoryTokenStore.deleteIf`, and `invalidate()` with a store
 * that has it and with one that does not. The Redis version is in test/redis-store.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { MemoryTokenStore, type Token, TokenManager, type TokenStore } from '../src/index.js';

const token = (accessToken: string, now = Date.now()): Token => ({ accessToken, tokenType: 'Bearer', receivedAt: now, expiresAt: now + 60_000, raw: {} });

describe('MemoryTokenStore.deleteIf', () => {
  it('deletes only while the entry holds the given access token', () => {
    const store = new MemoryTokenStore();
    store.set('k', token('a'));
    expect(store.deleteIf('k', 'b')).toBe(false);
    expect(store.get('k')?.accessToken).toBe('a');
    expect(store.deleteIf('k', 'a')).toBe(true);
    expect(store.get('k')).toBeUndefined();
    expect(store.deleteIf('k', 'a')).toBe(false);
  });
});

describe('invalidate() and the shared entry', () => {
  let n = 0;
  const fetch = async () => new Response(JSON.stringify({ access_token: `at-${++n}`, expires_in: 3600 }), { headers: { 'content-type': 'application/json' } });
  const opts = { tokenUrl: 'https://as.example/token', clientId: 'c', clientSecret: 's', fetch, retry: false as const };

  it('uses deleteIf when the store has it, and never a read followed by a delete', async () => {
    const calls: string[] = [];
    const inner = new MemoryTokenStore();
    const store: TokenStore = {
      get: (k) => (calls.push('get'), inner.get(k)),
      set: (k, t) => inner.set(k, t),
      delete: (k) => (calls.push('delete'), inner.delete(k)),
      deleteIf: (k, at) => (calls.push(`deleteIf ${at}`), inner.deleteIf(k, at)),
    };
    const tm = new TokenManager({ ...opts, store });
    const first = await tm.getToken();
    calls.length = 0;
    tm.invalidate(first);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([`deleteIf ${first.accessToken}`]);
    expect(inner.get(tm.cacheKey)).toBeUndefined();
  });

  it('falls back to read-then-delete for a store without deleteIf, and keeps a token that is not the rejected one', async () => {
    const inner = new MemoryTokenStore();
    const store: TokenStore = { get: (k) => inner.get(k), set: (k, t) => inner.set(k, t), delete: (k) => inner.delete(k) };
    const a = new TokenManager({ ...opts, store });
    const first = await a.getToken();
    a.invalidate(first);
    await new Promise((r) => setImmediate(r));
    expect(inner.get(a.cacheKey)).toBeUndefined();
    const second = await a.getToken();
    // Another instance already replaced the token this one saw rejected: the newer one stays.
    inner.set(a.cacheKey, token('from-another-instance'));
    a.invalidate(second);
    await new Promise((r) => setImmediate(r));
    expect(inner.get(a.cacheKey)?.accessToken).toBe('from-another-instance');
  });
});

describe('MemoryTokenStore bounds and clocks', () => {
  const make = (n: number, lifeMs = 60_000): Token => ({
    accessToken: `t${n}`,
    tokenType: 'Bearer',
    expiresAt: Date.now() + lifeMs,
    receivedAt: Date.now(),
    raw: {},
  });

  it('holds at most maxEntries tokens: expired ones go first, then the oldest', () => {
    const store = new MemoryTokenStore({ maxEntries: 3 });
    store.set('expired', make(0, -1));
    for (let i = 1; i <= 3; i++) store.set(`k${i}`, make(i));
    expect(store.get('expired')).toBeUndefined();
    expect(store.get('k1')?.accessToken).toBe('t1');
    store.set('k4', make(4));
    expect(store.get('k1')).toBeUndefined();
    expect(['k2', 'k3', 'k4'].map((k) => store.get(k)?.accessToken)).toEqual(['t2', 't3', 't4']);
  });

  it('re-bases a token on the monotonic clock when the wall clock was stepped since it was stored', () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryTokenStore();
      const stored = make(1, 60_000);
      store.set('k', stored);
      vi.advanceTimersByTime(10_000);
      vi.setSystemTime(Date.now() - 3_600_000);
      // 50 s of life left, whatever the wall clock says.
      expect(store.get('k')!.expiresAt - Date.now()).toBe(50_000);
      expect(store.get('k')!.accessToken).toBe('t1');
    } finally {
      vi.useRealTimers();
    }
  });
});
