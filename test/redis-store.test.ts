/**
 * RedisTokenStore in one process against a real redis-server, with node-redis and with ioredis:
 * what is stored and how, refresh-token rotation across managers, the lock, and degraded mode.
 */
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, type Token, TokenManager, type TokenwardError } from '../src/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../src/redis.js';
import { startServer, type TestServer } from './helpers/http-server.js';
import { type RedisServer, redisTestsEnabled, startRedis } from './helpers/redis-server.js';

const enabled = redisTestsEnabled();

type Client = { raw: ConstructorParameters<typeof RedisTokenStore>[0]; store: (o?: RedisTokenStoreOptions) => RedisTokenStore; close: () => Promise<void> };

/** A connected client of either library, wrapped in stores on demand. */
const clients: Record<'node-redis' | 'ioredis', (url: string) => Promise<Client>> = {
  'node-redis': async (url) => {
    const c = createClient({ url, socket: { reconnectStrategy: () => 50 } });
    await c.connect();
    return { raw: c, store: (o) => new RedisTokenStore(c, o), close: async () => void (await c.disconnect().catch(() => undefined)) };
  },
  ioredis: async (url) => {
    const c = new Redis(url, { retryStrategy: () => 50 });
    await new Promise((r) => c.once('ready', r));
    return { raw: c, store: (o) => new RedisTokenStore(c, o), close: async () => c.disconnect() };
  },
};

// One clock read: two (receivedAt, then expiresAt) made the life 60001 ms when the clock ticked between.
const token = (accessToken: string, lifeMs: number, extra: Partial<Token> = {}, now = Date.now()): Token => ({
  accessToken,
  tokenType: 'Bearer',
  receivedAt: now,
  expiresAt: now + lifeMs,
  raw: { token_type: 'bearer', session_state: 's' },
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
  let grants = 0;
  /** `expires_in` of the next tokens, s. */
  let lifetime = 300;
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
          if (refreshTokensUsed.filter((r) => r === rt).length > 1)
            return { status: 400, body: { error: 'invalid_grant', error_description: 'Token is not active' } };
        } else grants++;
        issued++;
        return { body: { access_token: `tok-${issued}`, refresh_token: `rt-${issued}`, token_type: 'bearer', expires_in: lifetime } };
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
    new TokenManager({
      tokenUrl: `${server.url}/token`,
      clientId: 'svc-shape-client',
      clientSecret: 'very-s3cret',
      clientAuth: 'basic',
      scope,
      retry: false,
      store,
    });

  it('stores the token and its refresh token as one JSON value under <prefix>:<cacheKey>, kept past the access token for the refresh token', async () => {
    const tm = manager((await open()).store(), `${kind}-shape`);
    const t = await tm.getToken();
    const key = `tokenward:${tm.cacheKey}`;
    // The key is a hash: none of the client id, the secret or the tokens. (Literal values, not short
    // fragments: a 32-character hash contains 'svc' or 'rt-' by chance about once in 3,000 runs.)
    for (const value of ['svc-shape-client', 'very-s3cret', t.accessToken, t.refreshToken!]) expect(key).not.toContain(value);
    const stored = JSON.parse((await inspector.get(key))!) as { v: number; token: Token; tailMs: number };
    expect(stored.v).toBe(2);
    expect(stored.token).toMatchObject({ accessToken: t.accessToken, refreshToken: t.refreshToken, tokenType: 'Bearer' });
    // The access token's 300 s, then the default 2 hours for a refresh token of unstated lifetime.
    expect(stored.tailMs).toBe(7_200_000);
    const pttl = await inspector.pttl(key);
    expect(pttl).toBeGreaterThan(7_490_000);
    expect(pttl).toBeLessThanOrEqual(7_500_000);
    expect(JSON.stringify(stored)).not.toContain('very-s3cret');
  });

  it('keeps an entry as long as its refresh token: the stated expiry, else refreshTokenTtlMs; without one, as long as the access token', async () => {
    const store = (await open()).store({ refreshTokenTtlMs: 600_000 });
    const pttl = (k: string) => inspector.pttl(`tokenward:${k}`);
    await store.set('ttl-none', token('no-rt', 60_000));
    expect(await pttl('ttl-none')).toBeLessThanOrEqual(60_000);
    expect(JSON.parse((await inspector.get('tokenward:ttl-none'))!)).toMatchObject({ v: 1 });
    await store.set('ttl-unstated', token('rt-unstated', 60_000, { refreshToken: 'r1' }));
    expect(await pttl('ttl-unstated')).toBeGreaterThan(650_000);
    expect(await pttl('ttl-unstated')).toBeLessThanOrEqual(660_000);
    await store.set('ttl-stated', token('rt-stated', 60_000, { refreshToken: 'r2', refreshExpiresAt: Date.now() + 1_800_000 }));
    expect(await pttl('ttl-stated')).toBeGreaterThan(1_790_000);
    expect(await pttl('ttl-stated')).toBeLessThanOrEqual(1_800_000);
    // A refresh token that dies first does not shorten the access token's entry.
    await store.set('ttl-short-rt', token('rt-short', 60_000, { refreshToken: 'r3', refreshExpiresAt: Date.now() + 10_000 }));
    expect(await pttl('ttl-short-rt')).toBeGreaterThan(50_000);
    // An expired access token with a live refresh token reads back expired, refresh token and all, on the reader's clock.
    const then = Date.now() - 120_000;
    await store.set('ttl-stale', token('stale', 60_000, { refreshToken: 'r4' }, then));
    const stale = (await store.get('ttl-stale'))!;
    expect(stale).toMatchObject({ accessToken: 'stale', refreshToken: 'r4' });
    expect(stale.expiresAt).toBeLessThan(Date.now());
    // Re-based from the TTL, it lands where it was stored; Redis round trips can only push it later, by their length.
    expect(stale.expiresAt).toBeGreaterThanOrEqual(then + 60_000 - 2);
    expect(stale.expiresAt).toBeLessThan(then + 60_000 + 30_000);
    expect(stale.expiresAt - stale.receivedAt).toBe(60_000);
    // refreshTokenTtlMs: 0 drops the entry with the access token, in the old format.
    const short = (await open()).store({ refreshTokenTtlMs: 0 });
    await short.set('ttl-zero', token('zero', 60_000, { refreshToken: 'r5' }));
    expect(await pttl('ttl-zero')).toBeLessThanOrEqual(60_000);
    expect(JSON.parse((await inspector.get('tokenward:ttl-zero'))!)).toMatchObject({ v: 1 });
    expect(() => new RedisTokenStore(() => Promise.resolve(null), { refreshTokenTtlMs: -1 })).toThrow(/refreshTokenTtlMs.*>= 0, got -1/);
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

  it('after the access token expired, an idle instance refreshes with the newest rotated refresh token (no invalid_grant, no extra grant)', async () => {
    const scope = `${kind}-idle-rotation`;
    lifetime = 1;
    try {
      const a = manager((await open()).store(), scope);
      const b = manager((await open()).store(), scope);
      const grantsBefore = grants;
      const first = await b.getToken();
      // A takes over B's token, then renews it: the refresh token rotates; B still holds the first, now used one.
      expect((await a.getToken({ forceRefresh: true })).accessToken).toBe(first.accessToken);
      const second = await a.getToken({ forceRefresh: true });
      expect(refreshTokensUsed.at(-1)).toBe(first.refreshToken);
      // Both access tokens expire while nobody calls; the shared entry stays for the refresh token.
      while (Date.now() <= second.expiresAt + 20) await new Promise((r) => setTimeout(r, 25));
      const key = `tokenward:${a.cacheKey}`;
      expect((JSON.parse((await inspector.get(key))!) as { token: Token }).token.refreshToken).toBe(second.refreshToken);
      const fallbacks: unknown[] = [];
      b.on('refresh-fallback', (e) => fallbacks.push(e));
      const third = await b.getToken();
      expect(third.accessToken).not.toBe(second.accessToken);
      expect(refreshTokensUsed.at(-1)).toBe(second.refreshToken);
      expect(new Set(refreshTokensUsed).size).toBe(refreshTokensUsed.length);
      expect(fallbacks).toEqual([]);
      expect(grants - grantsBefore).toBe(1);
    } finally {
      lifetime = 300;
    }
  });

  it('the lock is released by its owner only, and lapses by TTL when the owner is gone', async () => {
    // A TTL far above the poll and watchdog intervals: a loaded machine must not let the live holder's lock lapse.
    const s1 = (await open()).store({ lockTtlMs: 5000 });
    const s2 = (await open()).store({ lockTtlMs: 5000 });
    const release1 = await s1.lock('lock-test', { ttlMs: 10_000, waitMs: 1000 });
    expect(release1).toBeTypeOf('function');
    // The holder is alive: a short wait gives up.
    expect(await s2.lock('lock-test', { ttlMs: 10_000, waitMs: 300 })).toBeUndefined();
    await release1!();
    const release2 = await s2.lock('lock-test', { ttlMs: 10_000, waitMs: 1000 });
    expect(release2).toBeTypeOf('function');
    // A stale release (an owner whose lock lapsed) must not free someone else's lock.
    await release1!();
    expect(await inspector.exists('tokenward:lock-test:lock')).toBe(1);
    await release2!();
    expect(await inspector.exists('tokenward:lock-test:lock')).toBe(0);
    // A holder that died: its lock lapses after the TTL and the next one gets it.
    await inspector.set('tokenward:lock-test:lock', 'dead-owner', 'PX', 300);
    const release3 = await s1.lock('lock-test', { ttlMs: 10_000, waitMs: 5000 });
    expect(release3).toBeTypeOf('function');
    await release3!();
  });

  it('a live holder keeps the lock no longer than the ttlMs it asked for, even if it never releases it', async () => {
    const s1 = (await open()).store({ lockTtlMs: 300 });
    const s2 = (await open()).store({ lockTtlMs: 300 });
    const leaked = await s1.lock('lock-cap', { ttlMs: 1200, waitMs: 1000 });
    expect(leaked).toBeTypeOf('function');
    // The watchdog extends it while alive, but not past 1.2 s: the next caller gets it well within its wait.
    const next = await s2.lock('lock-cap', { ttlMs: 1200, waitMs: 10_000 });
    expect(next).toBeTypeOf('function');
    expect(await inspector.get('tokenward:lock-cap:lock')).not.toBeNull();
    await next!();
    await leaked!();
  });

  /** A command function on this test's client, for stores that interpose on the wire. */
  const commander = async (): Promise<(args: string[]) => Promise<unknown>> => {
    const raw = (await open()).raw as unknown as {
      sendCommand?: (a: string[]) => Promise<unknown>;
      call?: (c: string, ...a: string[]) => Promise<unknown>;
      on(e: string, l: () => void): void;
    };
    // Not handed to a store, so nobody else quiets its error events when a later test stops Redis.
    raw.on('error', () => {});
    // ioredis has a sendCommand too, taking its own Command objects: tell the libraries apart by kind.
    return kind === 'ioredis' ? (args) => raw.call!(args[0]!, ...args.slice(1)) : (args) => raw.sendCommand!(args);
  };

  it("reads a value and its TTL in one step: another instance's SET cannot land between them", async () => {
    const send = await commander();
    const writer = (await open()).store();
    await writer.set('atomic', token('old', 60_000));
    // The wire: the store's first command is answered, then another instance's SET lands, and only
    // then do any later commands of the same read reach Redis.
    let first = true;
    let landed!: () => void;
    const gate = new Promise<void>((r) => (landed = r));
    const racing = new RedisTokenStore(async (args) => {
      if (!first) {
        await gate;
        return send(args);
      }
      first = false;
      const reply = await send(args);
      await writer.set('atomic', token('new', 600_000));
      landed();
      return reply;
    });
    const read = (await racing.get('atomic'))!;
    // Either token is fine, each with its own expiry; never the old token with the new one's TTL.
    expect(read.accessToken).toBe('old');
    expect(read.expiresAt - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await racing.get('atomic'))!.accessToken).toBe('new');
  });

  it('a lock taken while the companion read fails is not left behind', async () => {
    const send = await commander();
    let failed = 0;
    const sent: Array<Promise<unknown>> = [];
    // GET fails once (a reset connection); SET NX works. A 10 s TTL: a lapse cannot hide a leak.
    const flaky = new RedisTokenStore(
      async (args) => {
        if (args[0] === 'GET' && failed++ === 0) throw new Error('read ECONNRESET');
        const reply = send(args);
        sent.push(reply);
        return reply;
      },
      { lockTtlMs: 10_000 },
    );
    const release = await flaky.lock('lock-read-fails', { ttlMs: 10_000, waitMs: 1000 }).catch(() => undefined);
    await release?.().catch(() => undefined);
    // Once every command the store sent has been answered, no lock is held that nobody will release.
    await Promise.allSettled(sent);
    expect(await inspector.exists('tokenward:lock-read-fails:lock')).toBe(0);
  });

  it("a waiter whose read fails gives up with a store error and leaves the holder's lock alone", async () => {
    const holder = (await open()).store({ lockTtlMs: 10_000 });
    const release = await holder.lock('lock-waiter-read-fails', { ttlMs: 10_000, waitMs: 1000 });
    const send = await commander();
    const waiter = new RedisTokenStore(async (args) => {
      if (args[0] === 'GET') throw new Error('read ECONNRESET');
      return send(args);
    });
    await expect(waiter.lock('lock-waiter-read-fails', { ttlMs: 10_000, waitMs: 1000 })).rejects.toMatchObject({ code: ErrorCode.STORE });
    expect(await inspector.exists('tokenward:lock-waiter-read-fails:lock')).toBe(1);
    await release!();
    expect(await inspector.exists('tokenward:lock-waiter-read-fails:lock')).toBe(0);
  });

  it('a stored value that is not a whole token reads as absent (never Authorization: undefined …)', async () => {
    const store = (await open()).store();
    const good = { accessToken: 'a', tokenType: 'Bearer', expiresAt: Date.now() + 60_000, receivedAt: Date.now(), raw: {} };
    const corrupt: Array<[string, unknown]> = [
      ['no tokenType', { v: 1, token: { ...good, tokenType: undefined } }],
      ['a numeric tokenType', { v: 1, token: { ...good, tokenType: 7 } }],
      ['no raw', { v: 1, token: { ...good, raw: undefined } }],
      ['raw a list', { v: 1, token: { ...good, raw: [] } }],
      ['an empty access token', { v: 1, token: { ...good, accessToken: '' } }],
      ['expiresAt a string', { v: 1, token: { ...good, expiresAt: String(good.expiresAt) } }],
      ['a numeric refresh token', { v: 1, token: { ...good, refreshToken: 5 } }],
      ['refreshExpiresAt null', { v: 1, token: { ...good, refreshExpiresAt: null } }],
      ['a v2 value without tailMs', { v: 2, token: good }],
      ['an unknown version', { v: 3, token: good }],
    ];
    for (const [why, value] of corrupt) {
      await inspector.set('tokenward:corrupt', JSON.stringify(value), 'PX', 60_000);
      expect(await store.get('corrupt'), why).toBeUndefined();
    }
    await inspector.set('tokenward:corrupt', JSON.stringify({ v: 1, token: good }), 'PX', 60_000);
    expect(await store.get('corrupt')).toMatchObject({ accessToken: 'a', tokenType: 'Bearer' });
  });

  it('deleteIf deletes the entry only while it holds the given access token', async () => {
    const store = (await open()).store();
    await store.set('cad', token('held "quoted" \u00e9', 60_000, { refreshToken: 'r' }));
    expect(await store.deleteIf('cad', 'other')).toBe(false);
    expect(await inspector.exists('tokenward:cad')).toBe(1);
    expect(await store.deleteIf('cad', 'held "quoted" \u00e9')).toBe(true);
    expect(await inspector.exists('tokenward:cad')).toBe(0);
    expect(await store.deleteIf('cad', 'held "quoted" \u00e9')).toBe(false);
    await inspector.set('tokenward:cad', 'not json');
    expect(await store.deleteIf('cad', 'held')).toBe(false);
    expect(await inspector.exists('tokenward:cad')).toBe(1);
  });

  it('invalidate() on one instance never deletes the newer token another instance stored meanwhile', async () => {
    const scope = `${kind}-invalidate-race`;
    let gate: Promise<void> | undefined;
    let dropped!: () => void;
    const droppedOnce = new Promise<void>((r) => (dropped = r));
    /** A's store: reads can be held at a gate (a slow Redis round trip), and deletions are announced. */
    class Gated extends RedisTokenStore {
      override async get(key: string): Promise<Token | undefined> {
        const t = await super.get(key);
        if (gate) await gate;
        return t;
      }
      override async delete(key: string): Promise<void> {
        await super.delete(key);
        dropped();
      }
      override async deleteIf(key: string, accessToken: string): Promise<boolean> {
        const done = await super.deleteIf(key, accessToken);
        dropped();
        return done;
      }
    }
    const a = manager(new Gated((await open()).raw), scope);
    const b = manager((await open()).store(), scope);
    const first = await a.getToken();
    expect((await b.getToken()).accessToken).toBe(first.accessToken);
    let openGate!: () => void;
    gate = new Promise<void>((r) => (openGate = r));
    // A's API call was refused: A drops the token. Meanwhile B renews and stores a new one.
    a.invalidate(first);
    const second = await b.getToken({ forceRefresh: true });
    openGate();
    gate = undefined;
    await droppedOnce;
    const stored = JSON.parse((await inspector.get(`tokenward:${a.cacheKey}`))!) as { token: Token };
    expect(stored.token.accessToken).toBe(second.accessToken);
    // And A picks up B's token instead of renewing again.
    expect((await a.getToken()).accessToken).toBe(second.accessToken);
  });

  it('a Redis error reaches store-error with no token in it, however it is logged', async () => {
    const tm = manager((await open()).store({ retryAfterMs: 1 }), `${kind}-oom`);
    const errors: TokenwardError[] = [];
    tm.on('store-error', (e) => errors.push(e));
    // Writes fail (OOM) while reads work: the SET that carries the token JSON is refused.
    await inspector.config('SET', 'maxmemory-policy', 'noeviction');
    await inspector.config('SET', 'maxmemory', '1');
    let t: Token;
    try {
      t = await tm.getToken();
    } finally {
      await inspector.config('SET', 'maxmemory', '0');
    }
    const refused = errors.find((e) => /redis SET failed: OOM/.test(e.message));
    expect(refused, errors.map((e) => e.message).join('\n')).toBeDefined();
    for (const e of errors) {
      const logged = `${inspect(e, { depth: 20, showHidden: true })}\n${JSON.stringify(serialise(e))}`;
      expect(logged).not.toContain(t.accessToken);
      expect(logged).not.toContain(t.refreshToken);
      expect(logged).not.toContain('"accessToken"');
    }
    // What the Redis client threw is reduced to a plain Error: name, message, code.
    const clientError = (refused!.cause as Error).cause as Error;
    expect(Object.getPrototypeOf(clientError)).toBe(Error.prototype);
    expect(clientError.message).toMatch(/^OOM command not allowed/);
    expect(Object.keys(clientError).filter((k) => k !== 'name' && k !== 'code')).toEqual([]);
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

/** An error and its causes with every own property, as a thorough log serialiser would write them. */
function serialise(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error) || depth > 10) return value;
  return Object.fromEntries(Object.getOwnPropertyNames(value).map((k) => [k, serialise((value as unknown as Record<string, unknown>)[k], depth + 1)]));
}

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
    expect(errors[0]).toMatch(/redis GET\+PTTL got no answer within 50 ms/);
    // Once down, the store skips Redis instead of waiting on it again for every step.
    expect(sent.length).toBeLessThanOrEqual(2);
  });

  it('every option is checked by name: durations are whole numbers of ms, unknown keys are refused', () => {
    const make = (options: Record<string, unknown>) => () => new RedisTokenStore(() => Promise.resolve(null), options as RedisTokenStoreOptions);
    // Redis refuses `PX 7200000.5`: every publish would fail quietly.
    expect(make({ refreshTokenTtlMs: 7_200_000.5 })).toThrow(ConfigError);
    expect(make({ refreshTokenTtlMs: 7_200_000.5 })).toThrow(/option `refreshTokenTtlMs` must be a whole number of ms >= 0, got 7200000\.5/);
    for (const name of ['commandTimeoutMs', 'retryAfterMs', 'lockTtlMs']) {
      for (const bad of [0.5, 1.5, 0, -1, Number.NaN, Infinity, '500'])
        expect(make({ [name]: bad }), `${name}: ${String(bad)}`).toThrow(new RegExp(`option \`${name}\` must be a whole number of ms > 0`));
      expect(make({ [name]: 2 ** 31 })).toThrow(new RegExp(`option \`${name}\` must be at most 2147483647 ms`));
      expect(make({ [name]: 1 })).not.toThrow();
    }
    for (const name of ['refreshTokenTtlMs', 'revalidateMs']) {
      for (const bad of [0.5, -1, Number.NaN, Infinity, '0', null])
        expect(make({ [name]: bad }), `${name}: ${String(bad)}`).toThrow(new RegExp(`option \`${name}\` must be a whole number of ms >= 0`));
      expect(make({ [name]: 0 })).not.toThrow();
    }
    // A refresh token may live 90 days (Okta): beyond what a timer can wait, but not beyond Redis.
    expect(make({ refreshTokenTtlMs: 90 * 86_400_000 })).not.toThrow();
    expect(make({ prefix: '' })).toThrow(/option `prefix` must be a non-empty string, got ""/);
    expect(make({ prefix: 5 })).toThrow(/option `prefix` must be a non-empty string/);
    expect(make({ lockTTLMs: 500 })).toThrow(/RedisTokenStore has no option `lockTTLMs` \(known: prefix, commandTimeoutMs/);
    expect(make({ prefix: undefined, lockTtlMs: undefined })).not.toThrow();
  });

  it('rejects a client it does not recognise, naming what it accepts', () => {
    expect(() => new RedisTokenStore({} as never)).toThrow(ConfigError);
    expect(() => new RedisTokenStore({} as never)).toThrow(/node-redis client .* an ioredis client, or a command function/);
  });
});
