/**
 * `logoff()` must release the session the server holds, not just the access token the client happens
 * to have. Jim2Server (seed 000) holds a paid user licence while the *refresh* token lives (20 minutes,
 * sliding), much longer than the access token: logging off with a dead access token gets a 401 and
 * leaves the licence taken. And nothing may acquire, adopt or refresh with the session being released
 * while `logoff()` runs (issue 9, defects 1 and 7).
 */
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenStore, type Token, TokenManager, type TokenManagerOptions, type TokenStore } from '../src/index.js';
import { RedisTokenStore } from '../src/redis.js';
import { deferred } from './helpers/fake-token-endpoint.js';
import { type RecordedRequest, type RouteAnswer, startServer } from './helpers/http-server.js';
import { type RedisServer, redisTestsEnabled, startRedis } from './helpers/redis-server.js';

/**
 * A Jim2-like server on a real socket: each client_credentials grant opens a licensed session; the
 * refresh token keeps it (and extends it); the bearer logoff page releases it, but only for a live
 * access token (401 otherwise, as ASP.NET answers). Access tokens can be expired server-side at will.
 */
async function licenceServer(accessLifetime = 3600) {
  const sessions = new Map<string, { open: boolean; access: Set<string> }>();
  const accessToSession = new Map<string, string>();
  let n = 0;
  let logoffGate: Promise<void> | undefined;
  const server = await startServer({
    'POST /Jim_Test/token': (req: RecordedRequest): RouteAnswer => {
      const form = new URLSearchParams(req.body);
      let session: string;
      if (form.get('grant_type') === 'refresh_token') {
        session = form.get('refresh_token') ?? '';
        if (!sessions.get(session)?.open) return { status: 400, body: { error: 'invalid_grant', error_description: 'refresh token expired' } };
      } else {
        session = `rt-${++n}`;
        sessions.set(session, { open: true, access: new Set() });
      }
      const access = `at-${++n}`;
      sessions.get(session)!.access.add(access);
      accessToSession.set(access, session);
      return { body: { access_token: access, token_type: 'bearer', expires_in: accessLifetime, refresh_token: session } };
    },
    'POST /Jim_Test/api/v1/logoff': async (req): Promise<RouteAnswer> => {
      await logoffGate;
      const access = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const session = sessions.get(accessToSession.get(access) ?? '');
      if (!session?.open || !session.access.has(access)) return { status: 401, body: '{"Message":"Authorization has been denied for this request."}' };
      session.open = false;
      return { status: 200 };
    },
  });
  return {
    server,
    /** Licensed sessions still open. */
    open: () => [...sessions.values()].filter((s) => s.open).length,
    grants: () => server.requestsTo('/Jim_Test/token').filter((r) => new URLSearchParams(r.body).get('grant_type') === 'client_credentials').length,
    refreshes: () => server.requestsTo('/Jim_Test/token').filter((r) => new URLSearchParams(r.body).get('grant_type') === 'refresh_token').length,
    logoffs: () => server.requestsTo('/Jim_Test/api/v1/logoff'),
    /** The server forgets every access token (the sessions stay, as Jim2's do while the refresh token lives). */
    expireAccessTokens: () => {
      for (const s of sessions.values()) s.access.clear();
    },
    /** The server ends every session (refresh tokens refused from now on). */
    endSessions: () => {
      for (const s of sessions.values()) s.open = false;
    },
    holdLogoff: () => {
      const gate = deferred<void>();
      logoffGate = gate.promise;
      return () => gate.resolve();
    },
  };
}

const jim2Options = (url: string, extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  tokenUrl: `${url}/Jim_Test/token`,
  baseUrl: `${url}/Jim_Test`,
  clientId: 'TestClientId',
  clientSecret: 'password',
  clientAuth: 'body',
  retry: false,
  logoff: { style: 'bearer', url: 'api/v1/logoff', method: 'POST' },
  ...extra,
});

let jim: Awaited<ReturnType<typeof licenceServer>>;
afterEach(async () => jim?.server.close());

describe('logoff when the access token is dead but the session lives (issue 9 defect 1)', () => {
  it('the server forgot the access token: renews by refresh token, logs off with the fresh one, licence freed', async () => {
    jim = await licenceServer();
    const tm = new TokenManager(jim2Options(jim.server.url));
    await tm.getToken();
    expect(jim.open()).toBe(1);
    jim.expireAccessTokens();
    await tm.logoff();
    expect(jim.open()).toBe(0);
    // Never a new grant: that would open (and pay for) a second session.
    expect(jim.grants()).toBe(1);
    expect(jim.refreshes()).toBe(1);
  });

  it('the access token expired here too (idle service): the same, without sending the dead token first', async () => {
    jim = await licenceServer(1);
    const tm = new TokenManager(jim2Options(jim.server.url, { refreshSkew: 0 }));
    await tm.getToken();
    await new Promise((r) => setTimeout(r, 1_100));
    jim.expireAccessTokens();
    await tm.logoff();
    expect(jim.open()).toBe(0);
    expect(jim.grants()).toBe(1);
    expect(jim.logoffs().map((r) => r.headers.authorization)).toEqual(['Bearer at-3']);
  });

  it('a refused refresh token means the session is gone: logoff resolves, no grant', async () => {
    jim = await licenceServer();
    const tm = new TokenManager(jim2Options(jim.server.url));
    await tm.getToken();
    jim.expireAccessTokens();
    jim.endSessions();
    await expect(tm.logoff()).resolves.toBeUndefined();
    expect(jim.grants()).toBe(1);
  });

  it('the next getToken() after such a logoff acquires a new session, and that one is released too', async () => {
    jim = await licenceServer();
    const tm = new TokenManager(jim2Options(jim.server.url));
    await tm.getToken();
    jim.expireAccessTokens();
    await tm.logoff();
    await tm.getToken();
    expect(jim.open()).toBe(1);
    await tm.logoff();
    expect(jim.open()).toBe(0);
  });
});

describe.skipIf(!redisTestsEnabled())('the fleet one-off logoff job reading the shared entry (issue 9 defect 1)', () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.quit();
    await redis?.stop();
  });

  it('renews by the stored refresh token and releases the session another process left behind', async () => {
    jim = await licenceServer(1);
    const store = new RedisTokenStore(client, { prefix: `t${Date.now()}` });
    const service = new TokenManager(jim2Options(jim.server.url, { store, refreshSkew: 0 }));
    await service.getToken();
    // The service dies without logging off; its access token expires; a one-off job logs off.
    await new Promise((r) => setTimeout(r, 1_100));
    jim.expireAccessTokens();
    const job = new TokenManager(jim2Options(jim.server.url, { store, refreshSkew: 0 }));
    await job.logoff();
    expect(jim.open()).toBe(0);
    expect(jim.grants()).toBe(1);
  });
});

describe('nothing acquires, adopts or refreshes with the session being released (issue 9 defect 7)', () => {
  it('a getToken() made while logoff is releasing waits for it, then acquires afresh', async () => {
    jim = await licenceServer();
    const tm = new TokenManager(jim2Options(jim.server.url));
    const first = await tm.getToken();
    const release = jim.holdLogoff();
    const loggingOff = tm.logoff();
    await new Promise((r) => setTimeout(r, 50));
    let settled = false;
    const next = tm.getToken().then((t) => {
      settled = true;
      return t;
    });
    await new Promise((r) => setTimeout(r, 100));
    // Still releasing: the caller waits instead of opening a session that logoff() will not release.
    expect(settled).toBe(false);
    expect(jim.grants()).toBe(1);
    release();
    await loggingOff;
    const second = await next;
    expect(second.accessToken).not.toBe(first.accessToken);
    // The new session came after the old one was released, and is the only one open.
    expect(jim.open()).toBe(1);
    await tm.logoff();
    expect(jim.open()).toBe(0);
  });

  it('with no local entry, a concurrent getToken() never adopts the token being released from the store', async () => {
    jim = await licenceServer();
    const store = new SlowStore();
    const a = new TokenManager(jim2Options(jim.server.url, { store }));
    const released = await a.getToken();
    // Another instance (no local entry) logs off while a caller of it asks for a token.
    const b = new TokenManager(jim2Options(jim.server.url, { store }));
    store.slow = true;
    const loggingOff = b.logoff();
    const got = b.getToken();
    await loggingOff;
    expect((await got).accessToken).not.toBe(released.accessToken);
  });

  it("logoff never deletes another instance's newer token from a shared store", async () => {
    jim = await licenceServer();
    const store = new MemoryTokenStore();
    const a = new TokenManager(jim2Options(jim.server.url, { store }));
    const b = new TokenManager(jim2Options(jim.server.url, { store }));
    await a.getToken();
    // b renews on its own (forced) and stores a newer token while a logs off its old one.
    const newer = await b.getToken({ forceRefresh: true });
    await a.logoff();
    const key = a.cacheKey;
    expect(store.get(key)?.accessToken).toBe(newer.accessToken);
  });
});

/** A memory store whose reads take 30 ms while `slow` is set, as a network store's do. */
class SlowStore implements TokenStore {
  slow = false;
  readonly #inner = new MemoryTokenStore();
  async get(key: string): Promise<Token | undefined> {
    const value = this.#inner.get(key);
    if (this.slow) await new Promise((r) => setTimeout(r, 30));
    return value;
  }
  set(key: string, token: Token): void {
    this.#inner.set(key, token);
  }
  delete(key: string): void {
    this.#inner.delete(key);
  }
  deleteIf(key: string, accessToken: string): boolean {
    return this.#inner.deleteIf(key, accessToken);
  }
}
