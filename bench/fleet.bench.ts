/**
 * A fleet of N real processes calling getToken() in a loop for a fixed run, with and without the Redis
 * store: token-endpoint hits and getToken() latency (p50, p99, max) across the fleet.
 *
 * `npm run bench -- fleet` (or `node --import tsx bench/fleet.bench.ts [N] [seconds]`). Needs
 * `redis-server` on PATH for the Redis rows.
 */
import { type Phase, sleep, spawnFleet } from '../test/fixtures/fleet-harness.js';
import { startServer } from '../test/helpers/http-server.js';
import { hasRedisServer, startRedis } from '../test/helpers/redis-server.js';

const N = Number(process.argv[2] ?? 8);
const SECONDS = Number(process.argv[3] ?? 8);
/** Short tokens so a short run spans several lifetimes. */
const LIFETIME_S = 2;

let hits = 0;
const server = await startServer({
  'POST /token': () => ({ body: { access_token: `tok-${++hits}`, token_type: 'Bearer', expires_in: LIFETIME_S } }),
});

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(label: string, client: 'none' | 'node-redis' | 'ioredis', redisUrl?: string) {
  const fleet = await spawnFleet(
    Array.from({ length: N }, () => client),
    redisUrl,
  );
  const phase: Phase = { tokenUrl: `${server.url}/token`, scope: `bench-${label}`, timeout: 5000, refreshSkew: 0.3, gapMs: 2, revalidateMs: 1000 };
  hits = 0;
  fleet.start(phase);
  await sleep(SECONDS * 1000);
  const stats = await fleet.stop();
  await fleet.close();
  const latencies = stats.flatMap((s) => s.latenciesUs ?? []).sort((a, b) => a - b);
  const calls = stats.reduce((n, s) => n + s.ok, 0);
  const failed = stats.reduce((n, s) => n + s.failed, 0);
  return {
    fleet: label,
    processes: N,
    'token hits': hits,
    'hits/lifetime': +(hits / (SECONDS / (LIFETIME_S - 0.3))).toFixed(1),
    'getToken calls': calls,
    failed,
    'p50 µs': +percentile(latencies, 50).toFixed(1),
    'p99 µs': +percentile(latencies, 99).toFixed(1),
    'max ms': +(latencies.at(-1)! / 1000).toFixed(1),
  };
}

console.log(`fleet of ${N} processes, ${SECONDS} s run, ${LIFETIME_S} s tokens (renewed 0.3 s before expiry), getToken() every ~2 ms per process`);
const rows = [await run('memory only', 'none')];
if (hasRedisServer) {
  const redis = await startRedis();
  rows.push(await run('redis (node-redis)', 'node-redis', redis.url));
  rows.push(await run('redis (ioredis)', 'ioredis', redis.url));
  await redis.stop();
} else {
  console.log('redis-server is not on PATH (apt-get install -y redis-server): Redis rows skipped.');
}
console.table(rows);
await server.close();
