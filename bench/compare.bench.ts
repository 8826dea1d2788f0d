/**
 * tokenward beside the ways people call OAuth-protected APIs without it (bench/compare-approaches.ts):
 * simple-oauth2, @badgateway/oauth2-client's OAuth2Fetch, openid-client with a Map cache, and the
 * axios "refresh on 401" recipe. One token server + API (bench/compare-server.ts), started here; every
 * figure below is measured in this run.
 *
 * Behaviour is counted, not timed, so it reads the same on any machine:
 * 1. expiry under load: 200 concurrent calls once the cached token has expired → token requests;
 * 2. a revoked token: 50 concurrent calls whose 401s come back in 5 waves, each after the previous
 *    wave recovered → calls that recovered (renew + replay) and token requests;
 * 3. an API that rejects every token: 20 calls one after another → token requests;
 * 4. shutdown: sessions left live at the server after the approach's shutdown code, when idle and when
 *    the shutdown comes while a token request is in flight.
 * Time is only the cache-hit cost: CPU time per `await <cached token>` against an awaited `Map.get`, in
 * interleaved rounds, as a ratio.
 *
 * Expiry is reached by moving `Date.now()` and `performance.now()` forward together (every library here
 * reads one of them), so real 3600 s tokens expire at once and the run takes seconds.
 * Run: `npm run bench -- compare`.
 */
import { type Approach, approaches, type Env } from './compare-approaches.js';
import { LIFETIME_S, startCompareServer } from './compare-server.js';

const HERD = 200;
const REVOKED_CALLERS = 50;
const REJECTED_CALLS = 20;
const HIT_ITERATIONS = 25_000;
const HIT_ROUNDS = 31;

interface Row {
  herd: { requests: number; ok: number };
  revoked: { recovered: number; requests: number };
  rejected: number;
  shutdownIdle: number;
  shutdownInFlight: number;
  hitNs: number;
}

const server = await startCompareServer();
const env: Env = { origin: server.origin, clientId: 'orders-service', clientSecret: 's3cret', scope: 'orders:read' };

try {
  const hits = await cacheHits();
  const clock = shiftableClock();
  const rows = new Map<string, Row>();
  for (const { name, create } of approaches) {
    const fresh = async (): Promise<Approach> => {
      server.reset();
      const approach = create(env);
      if ((await approach.call()) !== 200) throw new Error(`${name}: the warm-up call failed`);
      return approach;
    };
    rows.set(name, {
      herd: await herd(await fresh(), clock),
      revoked: await revoked(await fresh()),
      rejected: await rejected(await fresh()),
      shutdownIdle: await shutdownIdle(await fresh()),
      shutdownInFlight: await shutdownInFlight(create(env)),
      hitNs: hits.get(name)!,
    });
  }
  print(rows, hits.get('baseline')!);
} finally {
  await server.close();
}

/** Token requests when HERD callers arrive after the cached token expired. */
async function herd(approach: Approach, clock: { advance(ms: number): void }): Promise<Row['herd']> {
  const before = server.tokenRequests;
  clock.advance((LIFETIME_S + 1) * 1000);
  const statuses = await Promise.all(Array.from({ length: HERD }, () => approach.call()));
  return { requests: server.tokenRequests - before, ok: statuses.filter((s) => s === 200).length };
}

/**
 * The server revoked the cached token while 50 calls were on their way; a slow API answers them in 5 waves
 * of 10, each after the previous wave's calls recovered, so later waves carry the old token after it was
 * replaced (as when a slow endpoint answers requests sent before the renewal).
 */
async function revoked(approach: Approach): Promise<Row['revoked']> {
  const before = server.tokenRequests;
  server.revokeEverything();
  server.settings.rejectionWave = REVOKED_CALLERS / 5;
  const statuses = await Promise.all(Array.from({ length: REVOKED_CALLERS }, () => approach.call()));
  return { recovered: statuses.filter((s) => s === 200).length, requests: server.tokenRequests - before };
}

/** Every token is refused (a missing permission): what 20 calls cost the token endpoint. */
async function rejected(approach: Approach): Promise<number> {
  const before = server.tokenRequests;
  server.settings.api = 'reject-all';
  for (let i = 0; i < REJECTED_CALLS; i++) await approach.call();
  return server.tokenRequests - before;
}

/** Sessions still live after the shutdown code ran on an idle service. */
async function shutdownIdle(approach: Approach): Promise<number> {
  await approach.shutdown();
  return server.liveSessions();
}

/**
 * SIGTERM while the first token request is in flight: the shutdown code runs, then the process exits
 * (from then on the server issues nothing). Sessions left live.
 */
async function shutdownInFlight(approach: Approach): Promise<number> {
  server.reset();
  const arrived = server.nextTokenRequest();
  const call = approach.call().catch(() => 0);
  await arrived;
  await approach.shutdown();
  server.settings.exited = true;
  await call;
  await sleep(server.settings.tokenDelayMs * 2);
  return server.liveSessions();
}

/** CPU ns per `await approach.token()` on a warm cache, and per awaited `Map.get` ('baseline'), median of interleaved rounds. */
async function cacheHits(): Promise<Map<string, number>> {
  const map = new Map([['k', 'token']]);
  const loops = new Map([['baseline', timedLoop(() => map.get('k'))]]);
  for (const { name, create } of approaches) {
    const approach = create(env);
    await approach.token();
    loops.set(
      name,
      timedLoop(() => approach.token()),
    );
  }
  const names = [...loops.keys()];
  const samples = new Map(names.map((name) => [name, [] as number[]]));
  // Round -1 warms every loop up and is not counted; then the order rotates so none always runs first.
  for (let round = -1; round < HIT_ROUNDS; round++) {
    (globalThis as { gc?: () => void }).gc?.();
    for (let j = 0; j < names.length; j++) {
      const name = names[(Math.max(round, 0) + j) % names.length]!;
      const ns = await loops.get(name)!(HIT_ITERATIONS);
      if (round >= 0) samples.get(name)!.push(ns);
    }
  }
  return new Map([...samples].map(([name, s]) => [name, median(s)]));
}

/**
 * A loop of `await get()`, returning this process's CPU ns per call (CPU, not wall time: on a shared
 * machine wall time also counts the moments another process had the core). Compiled afresh for each
 * approach (`new Function`), so each has a call site of its own: one shared loop would be megamorphic
 * and slow every side alike.
 */
function timedLoop(get: () => unknown): (iterations: number) => Promise<number> {
  const source = `return async (n) => {
    let sink = 0;
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) if (await get()) sink++;
    const spent = process.cpuUsage(start);
    const ns = ((spent.user + spent.system) * 1000) / n;
    return sink === -1 ? sink : ns;
  };`;
  return new Function('get', 'process', source)(get, process) as (iterations: number) => Promise<number>;
}

/** Moves `Date.now()` and `performance.now()` forward together, from the moment it is installed. */
function shiftableClock(): { advance(ms: number): void } {
  let offset = 0;
  const wall = Date.now.bind(Date);
  const mono = performance.now.bind(performance);
  Date.now = () => wall() + offset;
  performance.now = () => mono() + offset;
  return { advance: (ms) => void (offset += ms) };
}

function print(rows: Map<string, Row>, baselineNs: number): void {
  const header = [
    'approach',
    `expiry, ${HERD} callers: token requests`,
    `revoked token, ${REVOKED_CALLERS} calls: recovered / token requests`,
    `API rejects every token: token requests for ${REJECTED_CALLS} calls`,
    'shutdown: sessions left live (idle / token request in flight)',
    'cache hit: CPU ns, x awaited Map.get',
  ];
  const lines = [...rows].map(([name, r]) => [
    name,
    `${r.herd.requests}${r.herd.ok === HERD ? '' : ` (${HERD - r.herd.ok} calls failed)`}`,
    `${r.revoked.recovered}/${REVOKED_CALLERS} / ${r.revoked.requests}`,
    String(r.rejected),
    `${r.shutdownIdle} / ${r.shutdownInFlight}`,
    `${r.hitNs.toFixed(0)} ns, ${(r.hitNs / baselineNs).toFixed(2)}x`,
  ]);
  console.log(`compare (node ${process.version}; awaited Map.get ${baselineNs.toFixed(0)} ns; counts are exact, times are medians of ${HIT_ROUNDS} rounds)`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const line of lines) console.log(`| ${line.join(' | ')} |`);
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
