/**
 * RedisTokenStore in one process against a real redis-server, with node-redis and with ioredis:
 * what is stored and how, refresh-token rotation across managers, the lock, and degraded mode.
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TokenManager, type Token, type TokenwardError } from '../src/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../src/redis.js';
import { startServer, type TestServer } from './helpers/http-server.js';
import { redisTestsEnabled, startRedis, type RedisServer } from './helpers/redis-server.js';

const enabled = redisTestsEnabled();

type Client = { store: (o?: RedisTokenStoreOptions) => RedisTokenStore; close: () => Promise<void> };

/** A connected client of either library, wrapped in stores on demand. */
const clients: Record<'node-redis' | 'ioredis', (url: string) => Promise<Client>> = {
  'node-redis': async (url) => {
    const c = createClient({ url, socket: { reconnectStrategy: () => 50 } });
    await c.connect();
    return { store: (o) => new RedisTokenStore(c, o), close: async () => void (await c.disconnect().catch(() => undefined)) };
  },
  ioredis: async (url) => {
    const c = new Redis(url, { retryStrategy: () => 50 });
    await new Promise((r) => c.once('ready', r));
    return { store: (o) => new RedisTokenStore(c, o), close: async () => c.disconnect() };
  },
};

const token = (accessToken: string, lifeMs: number, extra: Partial<Token> = {}): Token => ({
  accessToken,
  tokenType: 'Bearer',
  receivedAt: Date.now(),
  expiresAt: Date.now() + lifeMs,
  raw: { access_token: accessToken },
  ...extra,
});

describe.skipIf(!enabled).each(['node-redis', 'ioredis'] as const)('RedisTokenStore with %s', (kind) => {
  let redis: RedisServer;
  let server: TestServer;
  let inspector: Redis;
  let opened: Client[] = [];
  const open = async () => {
    const c = await clients[kind](redis.url);
    opened.push(c);
    return c;
  };
  let issued = 0;
  const refreshTokensUsed: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url, { retryStrategy: () => 50 });
    inspector.on('error', () => {});
    server = await startServer({
      'POST /token': (req) => {
        const form = new URLSearchParams(req.body);
        const rt = form.get('refresh_token');
        if (rt !== null) {
          refreshTokensUsed.push(rt);
          // Rotation (Keycloak with "Revoke Refresh Token" on): a refresh token works once.
          if (refreshTokensUsed.filter((r) => r === rt).length > 1) return { status: 400, body: { error: 'invalid_grant', error_description: 'Token is not active' } };
        }
        issued++;
        return { body: { access_token: `tok-${issued}`, refresh_token: `rt-${issued}`, token_type: 'bearer', expires_in: 300 } };
      },
    });
  });

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    opened = [];
    inspector?.disconnect();
    await server?.close();
    await redis?.stop();
  });

  const manager = (store: RedisTokenStore, scope: string) =>
    new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'svc', clientSecret: 'very-s3cret', clientAuth: 'basic', scope, retry: false, store });

  it('stores the token and its refresh token as one JSON value under <prefix>:<cacheKey>, with a TTL of its remaining life', async () => {
    const tm = manager((await open()).store(), `${kind}-shape`);
    const t = await tm.getToken();
    const key = `tokenward:${tm.cacheKey}`;
    expect(key).not.toMatch(/svc|s3cret|tok-|rt-/);
    const stored = JSON.parse((await inspector.get(key))!) as { v: number; token: Token };
    expect(stored.v).toBe(1);
    expect(stored.token).toMatchObject({ accessToken: t.accessToken, refreshToken: t.refreshToken, tokenType: 'Bearer' });
    const pttl = await inspector.pttl(key);
    expect(pttl).toBeGreaterThan(290_000);
    expect(pttl).toBeLessThanOrEqual(300_000);
    expect(JSON.stringify(stored)).not.toContain('very-s3cret');
  });

  it('re-bases a stored token on the reader’s clock from the key’s remaining TTL', async () => {
    const store = (await open()).store();
    await store.set('clock', token('skewed', 60_000));
    await inspector.pexpire('tokenward:clock', 3_000);
    const read = (await store.get('clock'))!;
    expect(read.accessToken).toBe('skewed');
    expect(read.expiresAt - Date.now()).toBeLessThanOrEqual(3_000);
    expect(read.expiresAt - read.receivedAt).toBe(60_000);
  });

  it('keeps refresh-token rotation consistent across managers: each rotated refresh token is used once', async () => {
    const scope = `${kind}-rotation`;
    const a = manager((await open()).store(), scope);
    const b = manager((await open()).store(), scope);
    const first = await a.getToken();
    expect((await b.getToken()).accessToken).toBe(first.accessToken);
    const before = issued;
    // A refreshes; B, asked to renew the token A replaced, adopts A's result instead of reusing the old refresh token.
    const second = await a.getToken({ forceRefresh: true });
    expect((await b.getToken({ forceRefresh: true })).accessToken).toBe(second.accessToken);
    // B renews next, with the refresh token A received.
    const third = await b.getToken({ forceRefresh: true });
    expect(issued - before).toBe(2);
    expect(refreshTokensUsed.slice(-2)).toEqual([first.refreshToken, second.refreshToken]);
    const stored = JSON.parse((await inspector.get(`tokenward:${a.cacheKey}`))!) as { token: Token };
    expect(stored.token).toMatchObject({ accessToken: third.accessToken, refreshToken: third.refreshToken });
  });

  it('the lock is released by its owner only, and lapses by TTL when the owner is gone', async () => {
    const s1 = (await open()).store({ lockTtlMs: 200 });
    const s2 = (await open()).store({ lockTtlMs: 200 });
    const release1 = await s1.lock('lock-test', { ttlMs: 1000, waitMs: 1000 });
    expect(release1).toBeTypeOf('function');
    // The holder is alive (its lock is extended): a short wait gives up.
    expect(await s2.lock('lock-test', { ttlMs: 1000, waitMs: 300 })).toBeUndefined();
    await release1!();
    const release2 = await s2.lock('lock-test', { ttlMs: 1000, waitMs: 1000 });
    expect(release2).toBeTypeOf('function');
    // A stale release (an owner whose lock lapsed) must not free someone else's lock.
    await release1!();
    expect(await inspector.exists('tokenward:lock-test:lock')).toBe(1);
    await release2!();
    expect(await inspector.exists('tokenward:lock-test:lock')).toBe(0);
    // A holder that died: its lock lapses after the TTL and the next one gets it.
    await inspector.set('tokenward:lock-test:lock', 'dead-owner', 'PX', 200);
    expect(await s1.lock('lock-test', { ttlMs: 1000, waitMs: 2000 })).toBeTypeOf('function');
  });

  it('Redis down: callers keep getting tokens (store-error emitted, nothing hangs); back up: shared again', async () => {
    const scope = `${kind}-outage`;
    const a = manager((await open()).store({ revalidateMs: 100 }), scope);
    const b = manager((await open()).store({ revalidateMs: 100 }), scope);
    const errors: TokenwardError[] = [];
    a.on('store-error', (e) => errors.push(e));
    const shared = await a.getToken();
    expect((await b.getToken()).accessToken).toBe(shared.accessToken);

    await redis.stop();
    const during = await a.getToken({ forceRefresh: true });
    expect(during.accessToken).not.toBe(shared.accessToken);
    const alone = await b.getToken({ forceRefresh: true });
    expect(alone.accessToken).not.toBe(during.accessToken);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.code).toBe(ErrorCode.STORE);
    expect(errors.map((e) => e.message).join()).not.toMatch(/tok-|rt-|s3cret/);

    await redis.start();
    // Each re-validation finds the store empty and publishes its token; the last write wins and both converge on it.
    const deadline = Date.now() + 10_000;
    let tokens: string[] = [];
    while (Date.now() < deadline) {
      tokens = [(await a.getToken()).accessToken, (await b.getToken()).accessToken];
      const stored = await inspector.get(`tokenward:${a.cacheKey}`).catch(() => null);
      if (tokens[0] === tokens[1] && stored?.includes(`"${tokens[0]}"`)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(tokens[0]).toBe(tokens[1]);
    expect([during.accessToken, alone.accessToken]).toContain(tokens[0]);
  });
});

describe.skipIf(!enabled)('RedisTokenStore without a working Redis', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ 'POST /token': () => ({ body: { access_token: 'solo', token_type: 'Bearer', expires_in: 300 } }) });
  });
  afterAll(async () => server?.close());

  it('a Redis that never answers costs each command its timeout, never the caller', async () => {
    const sent: string[] = [];
    const store = new RedisTokenStore(
      (args) => {
        sent.push(args[0]!);
        return new Promise(() => {});
      },
      { commandTimeoutMs: 50 },
    );
    const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'c', clientSecret: 's', retry: false, store });
    const errors: string[] = [];
    tm.on('store-error', (e) => errors.push(e.message));
    expect((await tm.getToken()).accessToken).toBe('solo');
    expect(errors[0]).toMatch(/redis (GET|PTTL) got no answer within 50 ms/);
    // Once down, the store skips Redis instead of waiting on it again for every step.
    expect(sent.length).toBeLessThanOrEqual(2);
  });

  it('rejects a client it does not recognise, naming what it accepts', () => {
    expect(() => new RedisTokenStore({} as never)).toThrow(ConfigError);
    expect(() => new RedisTokenStore({} as never)).toThrow(/node-redis client .* an ioredis client, or a command function/);
  });
});
