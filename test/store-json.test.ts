/**
 * The stores' small-JSON slot (discovery metadata shared by a fleet): MemoryTokenStore and, against a
 * real redis-server, RedisTokenStore; and a fleet of managers fetching an issuer's metadata once.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryTokenStore, TokenManager } from '../src/index.js';
import { RedisTokenStore } from '../src/redis.js';
import { type RedisServer, redisTestsEnabled, startRedis } from './helpers/redis-server.js';
import { answer, scriptedFetch, tokenAnswer } from './helpers/scripted-fetch.js';

describe('MemoryTokenStore getJson/setJson', () => {
  it('returns a copy until the TTL runs out, and never collides with a token key', () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryTokenStore();
      const value = { issuer: 'https://idp', list: ['a'] };
      store.setJson('k', value, 1000);
      const read = store.getJson('k') as typeof value;
      expect(read).toEqual(value);
      read.list.push('b');
      expect(store.getJson('k')).toEqual(value);
      expect(store.get('k')).toBeUndefined();
      vi.advanceTimersByTime(1000);
      expect(store.getJson('k')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe.skipIf(!redisTestsEnabled())('RedisTokenStore getJson/setJson (real redis-server)', () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.disconnect().catch(() => undefined);
    await redis?.stop();
  });

  it('round-trips under <prefix>:json:<key> with a TTL', async () => {
    const store = new RedisTokenStore(client, { prefix: 'tw-test' });
    await store.setJson('meta', { issuer: 'https://idp' }, 60_000);
    expect(await store.getJson('meta')).toEqual({ issuer: 'https://idp' });
    const ttl = await client.pTTL('tw-test:json:meta');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await store.getJson('absent')).toBeUndefined();
    expect(await store.get('meta')).toBeUndefined();
  });

  it('three managers of a fleet fetch the issuer metadata once', async () => {
    const issuer = 'https://idp.example.com';
    const f = scriptedFetch((r) => (r.method === 'GET' ? answer(200, { issuer, token_endpoint: `${issuer}/token` }) : tokenAnswer()));
    for (const scope of ['a', 'b', 'c']) {
      const tm = new TokenManager({
        issuer,
        clientId: 'svc',
        clientSecret: 's',
        scope,
        fetch: f.fetch,
        retry: false,
        store: new RedisTokenStore(client, { prefix: 'tw-fleet' }),
      });
      await tm.getToken();
    }
    expect(f.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(f.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  });
});
