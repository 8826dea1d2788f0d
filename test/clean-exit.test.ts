/**
 * Clean exit (issue 9 §2.6): a process that uses managers (in memory and on Redis, proactive and not) and
 * never calls `logoff()` ends by itself, with code 0, and nothing of tokenward's holds its event loop once
 * its work is done. The process is test/fixtures/clean-exit.ts, spawned for real.
 *
 * Nothing here is timed: the spawn has a generous limit only so a process that hangs fails the test
 * (it is then killed, and the resources it reported say what held it).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, tokenBody } from './helpers/http-server.js';
import { type RedisServer, redisTestsEnabled, startRedis } from './helpers/redis-server.js';

const fixture = fileURLToPath(new URL('./fixtures/clean-exit.ts', import.meta.url));
/** Far above the few seconds the fixture needs (tsx start-up, Redis connections) on a busy machine. */
const HANG_LIMIT_MS = 60_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  report: { done: boolean; resources: string[] } | undefined;
  stderr: string;
}

function runFixture(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    let killed = false;
    const limit = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, HANG_LIMIT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(limit);
      const last = stdout.trim().split('\n').at(-1);
      let report: Exit['report'];
      try {
        report = last ? JSON.parse(last) : undefined;
      } catch {
        report = undefined;
      }
      resolve({ code, signal, killed, report, stderr });
    });
  });
}

/** Resources that keep a process alive: timers, sockets, servers (stdio pipes excepted). */
function holdingTheLoop(resources: string[]): string[] {
  return resources.filter((r) => !/^(TTYWrap|PipeWrap|CloseReq)$/.test(r));
}

function expectCleanExit(exit: Exit): void {
  expect(exit.killed, `the process did not end by itself; it reported ${JSON.stringify(exit.report)}; stderr: ${exit.stderr.slice(-2000)}`).toBe(false);
  expect(exit.report?.done, `the fixture did not finish its work; stderr: ${exit.stderr.slice(-2000)}`).toBe(true);
  expect(holdingTheLoop(exit.report!.resources), 'what still held the event loop after main returned').toEqual([]);
  expect(exit.code).toBe(0);
  expect(exit.signal).toBeNull();
}

let server: TestServer;
let issued = 0;
beforeAll(async () => {
  server = await startServer({
    'POST /token': () => ({ body: tokenBody(`clean-exit-at-${++issued}`, { expires_in: 60 }) }),
    'GET /api/things': (req) => (req.headers.authorization?.startsWith('Bearer clean-exit-at-') ? { body: { ok: true } } : { status: 401 }),
  });
});
afterAll(async () => server?.close());

describe('a process that never calls logoff() exits by itself', () => {
  const withRedis = redisTestsEnabled();
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    if (withRedis) redis = await startRedis();
  });
  afterAll(async () => redis?.stop());

  // One process for every kind of manager: each spawn pays a few seconds of tsx and Redis client start-up.
  it(`with managers in memory${withRedis ? ' and on node-redis and ioredis stores' : ''}, proactive and not`, async () => {
    const before = server.requestsTo('/token').length;
    const exit = await runFixture({ TOKEN_URL: `${server.url}/token`, API_URL: `${server.url}/api/things`, ...(redis ? { REDIS_URL: redis.url } : {}) });
    expectCleanExit(exit);
    // Every manager has its own scope, so its own token: they were all used.
    expect(server.requestsTo('/token').length - before, 'token requests: one per manager').toBe(withRedis ? 6 : 2);
  });
});
