/**
 * A fleet of 8 real Node processes (4 on node-redis, 4 on ioredis), each with its own TokenManager, on
 * one real redis-server, against one node:http token server in this process.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenManager } from '../src/index.js';
import { type Fleet, type Phase, sleep, spawnFleet, waitUntil } from './fixtures/fleet-harness.js';
import { type RecordedRequest, startServer, type TestServer } from './helpers/http-server.js';
import { type RedisServer, redisTestsEnabled, startRedis } from './helpers/redis-server.js';

/** Token lifetime (s) and refresh skew (s): every token is used for 1.7 s, then renewed. */
const LIFETIME = 2;
const SKEW = 0.3;
const WINDOW_MS = (LIFETIME - SKEW) * 1000;

interface Issue {
  token: string;
  child: string;
  at: number;
}

describe.skipIf(!redisTestsEnabled())('a fleet of 8 processes sharing one token through Redis', () => {
  let redis: RedisServer;
  let server: TestServer;
  let fleet: Fleet;
  let inspector: Redis;
  let issues: Issue[] = [];
  let hold: ((req: RecordedRequest) => Promise<void>) | undefined;

  /**
   * A token endpoint that takes 12 s to renew: the first grant is immediate (a 2-second token with a
   * refresh token); every renewal request is answered 503 until 12 s after the first one, then served.
   * It remembers which refresh tokens it exchanged, as servers with reuse detection do.
   */
  const slow = {
    renewalsFrom: 0,
    requests: [] as Array<{ child: string; grant: string; refreshToken: string | null; status: number }>,
    exchanged: new Map<string, number>(),
    n: 0,
  };
  function slowToken(req: RecordedRequest) {
    const form = new URLSearchParams(req.body);
    const grant = form.get('grant_type') ?? '';
    const refreshToken = form.get('refresh_token');
    const child = String(req.headers['x-fleet-child']);
    const first = slow.n === 0;
    if (!first && slow.renewalsFrom === 0) slow.renewalsFrom = Date.now();
    const ready = first || Date.now() - slow.renewalsFrom >= 12_000;
    slow.requests.push({ child, grant, refreshToken, status: ready ? 200 : 503 });
    if (!ready) return { status: 503, headers: { 'retry-after': '1' }, body: 'busy' };
    if (refreshToken) slow.exchanged.set(refreshToken, (slow.exchanged.get(refreshToken) ?? 0) + 1);
    const n = ++slow.n;
    return { body: { access_token: `slow-${n}`, token_type: 'Bearer', expires_in: first ? 2 : 60, refresh_token: `slow-rt-${n}` } };
  }

  beforeAll(async () => {
    redis = await startRedis();
    server = await startServer({
      'POST /token': async (req) => {
        const issue = { token: `tok-${issues.length + 1}`, child: String(req.headers['x-fleet-child']), at: Date.now() };
        issues.push(issue);
        if (hold) await hold(req);
        return { body: { access_token: issue.token, token_type: 'Bearer', expires_in: req.body.includes('scope=logoff') ? 60 : LIFETIME } };
      },
      'DELETE /logoff': () => ({ status: 204 }),
      'POST /slow-token': (req) => slowToken(req),
    });
    fleet = await spawnFleet(['node-redis', 'node-redis', 'node-redis', 'node-redis', 'ioredis', 'ioredis', 'ioredis', 'ioredis'], redis.url);
    inspector = new Redis(redis.url, { retryStrategy: () => 100, maxRetriesPerRequest: 1 });
    inspector.on('error', () => {});
  }, 150_000);

  afterAll(async () => {
    await fleet?.close();
    inspector?.disconnect();
    await server?.close();
    await redis?.stop();
  });

  const phase = (scope: string, extra: Partial<Phase> = {}): Phase => ({
    tokenUrl: `${server.url}/token`,
    scope,
    timeout: 3000,
    refreshSkew: SKEW,
    gapMs: 5,
    revalidateMs: 300,
    ...extra,
  });
  const redisKey = (scope: string) =>
    `tokenward:${new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'fleet-client', clientSecret: 'x', scope }).cacheKey}`;
  const currents = () => fleet.live().map((m) => m.last?.current);
  const allOn = (token: string | undefined) => token !== undefined && currents().every((c) => c === token);

  /** Asserts that no token request came while the previous token was still fresh for the fleet. */
  function expectOnePerLifetime(list: Issue[]): void {
    for (let i = 1; i < list.length; i++) {
      // A renewal can only start once the previous token stopped being fresh (1.7 s after it was issued).
      expect(list[i]!.at - list[i - 1]!.at, `token request ${i + 1} came while ${list[i - 1]!.token} was fresh`).toBeGreaterThanOrEqual(WINDOW_MS - 30);
    }
  }

  it('under load for several token lifetimes, the token server sees exactly one acquisition per lifetime', async () => {
    issues = [];
    fleet.start(phase('load'));
    await sleep(4 * WINDOW_MS + 600);
    const stats = await fleet.stop();

    expect(stats.flatMap((s) => s.failures)).toEqual([]);
    expect(issues.length).toBeGreaterThanOrEqual(4);
    expectOnePerLifetime(issues);
    // Without sharing, 8 processes would have made 8 requests per lifetime: here every one was shared.
    const issued = new Set(issues.map((i) => i.token));
    for (const s of stats) {
      expect(s.ok).toBeGreaterThan(50);
      for (const t of s.tokensSeen) expect(issued.has(t)).toBe(true);
      expect(s.tokensSeen.length).toBeGreaterThanOrEqual(issues.length - 1);
    }
  });

  it('logoff from one instance deletes the shared entry and the others acquire afresh (one request for all)', async () => {
    issues = [];
    const logoffs = server.requestsTo('/logoff').length;
    fleet.start(phase('logoff', { revalidateMs: 200, logoffUrl: `${server.url}/logoff` }));
    await waitUntil(() => allOn('tok-1'), 'all 8 hold tok-1');
    const [leaver, ...others] = fleet.live();
    await fleet.stop([leaver!]);
    await fleet.logoff(leaver!);

    const released = server.requestsTo('/logoff').slice(logoffs);
    expect(released.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1']);
    await waitUntil(() => others.every((m) => m.last?.current === 'tok-2'), 'the other 7 moved to tok-2');
    const stats = await fleet.stop(others);
    expect(stats.flatMap((s) => s.failures)).toEqual([]);
    expect(issues.map((i) => i.token)).toEqual(['tok-1', 'tok-2']);
    expect(await inspector.get(redisKey('logoff'))).toContain('"tok-2"');
  });

  it('keeps every caller served while Redis is down, and shares one token again once it is back', async () => {
    issues = [];
    fleet.start(phase('outage'));
    await waitUntil(() => allOn('tok-1'), 'all 8 hold tok-1');
    await redis.stop();
    // Long enough for every process to renew on its own at least once.
    await sleep(WINDOW_MS + 1200);
    const duringOutage = issues.length;
    expect(duringOutage).toBeGreaterThan(2);
    expect(fleet.live().every((m) => m.last !== undefined && m.last.storeErrors > 0)).toBe(true);

    await redis.start();
    // Back in shared mode: every process converges on the token in Redis.
    let shared: string | undefined;
    await waitUntil(
      async () => {
        const stored = await inspector.get(redisKey('outage')).catch(() => null);
        shared = stored ? (JSON.parse(stored) as { token: { accessToken: string } }).token.accessToken : undefined;
        return allOn(shared);
      },
      'all 8 hold the token stored in Redis',
      15_000,
    );
    const from = issues.length;
    await sleep(2 * WINDOW_MS + 300);
    const stats = await fleet.stop();

    expect(stats.flatMap((s) => s.failures)).toEqual([]);
    // From the shared token on, one acquisition per lifetime again.
    const after = [issues.find((i) => i.token === shared)!, ...issues.slice(from)];
    expect(after.length).toBeGreaterThanOrEqual(2);
    expectOnePerLifetime(after);
  });

  it('a 12-second renewal with 8 processes is one renewal: waiters wait for the holder, nobody reuses its refresh token (issue 9 defect 5)', async () => {
    fleet.start(
      phase('slow', {
        tokenUrl: `${server.url}/slow-token`,
        timeout: 3000,
        refreshSkew: 0.5,
        retry: { retries: 20, minTimeout: 500, maxTimeout: 1000, maxRetryTime: 20_000 },
      }),
    );
    await waitUntil(() => currents().every((c) => c !== undefined && c !== 'slow-1'), 'all 8 moved past the first token', 40_000);
    const stats = await fleet.stop();
    expect(stats.flatMap((s) => s.failures)).toEqual([]);
    expect(new Set(stats.map((s) => s.current))).toEqual(new Set(['slow-2']));
    const renewals = slow.requests.filter((r) => r.grant === 'refresh_token' || r.status === 503 || slow.requests.indexOf(r) > 0);
    // One process renewed (retrying through the 503s); the other seven waited for its token.
    expect(new Set(renewals.map((r) => r.child)).size).toBe(1);
    // No refresh token was presented by two processes, nor exchanged twice.
    expect([...slow.exchanged.values()].every((n) => n === 1)).toBe(true);
    expect(slow.n).toBe(2);
  }, 60_000);

  it('a lock holder SIGKILLed mid-acquisition: another process acquires after the lock TTL, and no caller fails', async () => {
    issues = [];
    const lockTtlMs = 1000;
    let victim: string | undefined;
    let killedAt = 0;
    let lockPttl = Number.NaN;
    let lapsesNoSoonerThan = Number.POSITIVE_INFINITY;
    hold = async (req) => {
      if (victim !== undefined) return;
      victim = String(req.headers['x-fleet-child']);
      // The holder is waiting on this answer, lock held: kill it now and never answer.
      fleet.members[Number(victim)]!.proc.kill('SIGKILL');
      killedAt = Date.now();
      // When the dead holder's lock lapses, from Redis: the time the lock was taken is not seen here,
      // and the holder's request can reach this server well after it (a loaded machine).
      const before = Date.now();
      lockPttl = Number(await inspector.pttl(`${redisKey('kill')}:lock`));
      lapsesNoSoonerThan = before + lockPttl;
      await new Promise(() => {});
    };
    fleet.start(phase('kill', { timeout: 4000, lockTtlMs, revalidateMs: 0 }));
    await waitUntil(() => issues.length >= 2 && fleet.live().every((m) => m.last?.current === 'tok-2'), 'the survivors hold tok-2', 15_000);
    hold = undefined;
    const stats = await fleet.stop();

    expect(fleet.live()).toHaveLength(7);
    expect(stats.flatMap((s) => s.failures)).toEqual([]);
    expect(issues.map((i) => i.token)).toEqual(['tok-1', 'tok-2']);
    expect(issues[1]!.child).not.toBe(victim);
    expect(issues[1]!.at).toBeGreaterThan(killedAt);
    // The dead holder's lock had to lapse first. (Measured from its request's arrival, this raced the
    // holder's own request on a busy machine.)
    expect(lockPttl).toBeGreaterThan(0);
    expect(issues[1]!.at).toBeGreaterThanOrEqual(lapsesNoSoonerThan);
  });
});
