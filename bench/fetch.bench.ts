/**
 * Steady-state throughput of the authenticated paths against their raw undici baselines, on one
 * loopback API server running in a separate process (`fetch-server.ts`):
 *
 * - `tm.fetch(url)` vs `undici.fetch(url, { headers: { authorization } })` (target: >= 0.97)
 * - `request(url, { dispatcher: agent.compose(authInterceptor(tm)) })` vs `request(url, { headers })` (target: >= 0.95)
 *
 * Both sides of a pair share one keep-alive `Agent`. The machines are noisy (±10–20% between rounds),
 * so the sides are interleaved (A B, then B A, ...) and the median of the per-round ratios is printed
 * with its spread. `BENCH_ROUNDS`, `BENCH_REQUESTS` and `BENCH_CONCURRENCY` override the defaults.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch, request } from 'undici';
import { TokenManager } from '../src/index.js';
import { authInterceptor } from '../src/undici.js';

const ROUNDS = Math.max(9, Number(process.env.BENCH_ROUNDS ?? 11));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

type Side = () => Promise<void>;

interface Pair {
  name: string;
  target: number;
  a: { label: string; run: Side };
  b: { label: string; run: Side };
}

async function startServer(): Promise<{ child: ChildProcess; origin: string }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, 'fetch-server.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, origin: `http://127.0.0.1:${port}` };
}

/** Requests per second for `REQUESTS` calls of `one`, `CONCURRENCY` in flight. */
async function throughput(one: Side): Promise<number> {
  let left = REQUESTS;
  const worker = async () => {
    while (left-- > 0) await one();
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return REQUESTS / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((x, y) => x - y);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

async function runPair(pair: Pair): Promise<boolean> {
  // Warm-up: JIT, connection pool, token cache.
  await throughput(pair.a.run);
  await throughput(pair.b.run);
  const ratios: number[] = [];
  const rateA: number[] = [];
  const rateB: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let a: number;
    let b: number;
    // Alternate which side goes first, so a drift within a round does not favour one side.
    if (round % 2 === 0) {
      a = await throughput(pair.a.run);
      b = await throughput(pair.b.run);
    } else {
      b = await throughput(pair.b.run);
      a = await throughput(pair.a.run);
    }
    rateA.push(a);
    rateB.push(b);
    ratios.push(a / b);
  }
  const m = median(ratios);
  console.log(`\n${pair.name}`);
  console.log(`  ${pair.a.label.padEnd(44)} median ${median(rateA).toFixed(0).padStart(6)} req/s`);
  console.log(`  ${pair.b.label.padEnd(44)} median ${median(rateB).toFixed(0).padStart(6)} req/s`);
  console.log(`  per-round ratios: ${ratios.map((r) => r.toFixed(3)).join(' ')}`);
  console.log(
    `  ratio median ${m.toFixed(3)}  (IQR ${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)}, ` +
      `min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}; ${ROUNDS} rounds × ${REQUESTS} requests, ${CONCURRENCY} in flight)`,
  );
  const ok = m >= pair.target;
  console.log(`  target >= ${pair.target}: ${ok ? 'met' : 'MISSED'}`);
  return ok;
}

const { child, origin } = await startServer();
const url = `${origin}/api`;
const agent = new Agent({ keepAliveTimeout: 10_000, connections: 128 });
const tm = new TokenManager({ tokenUrl: `${origin}/token`, clientId: 'bench', clientSecret: 'bench-secret', clientAuth: 'basic', dispatcher: agent });
const fixed = `Bearer ${(await tm.getToken()).accessToken}`;
const fixedHeaders = { authorization: fixed };
const authed = agent.compose(authInterceptor(tm));

const check = async (res: Response | { statusCode: number }) => {
  const status = 'status' in res ? res.status : res.statusCode;
  if (status !== 200) throw new Error(`bench request answered ${status}`);
};

const pairs: Pair[] = [
  {
    name: 'tm.fetch vs undici.fetch (fixed Authorization header)',
    target: 0.97,
    a: {
      label: 'tm.fetch(url)',
      run: async () => {
        const res = await tm.fetch(url);
        await check(res);
        await res.arrayBuffer();
      },
    },
    b: {
      label: 'undici.fetch(url, { headers, dispatcher })',
      run: async () => {
        const res = await undiciFetch(url, { headers: fixedHeaders, dispatcher: agent });
        await check(res as unknown as Response);
        await res.arrayBuffer();
      },
    },
  },
  {
    name: 'interceptor vs undici.request (fixed Authorization header)',
    target: 0.95,
    a: {
      label: 'request(url, { dispatcher: composed })',
      run: async () => {
        const res = await request(url, { dispatcher: authed });
        await check(res);
        await res.body.arrayBuffer();
      },
    },
    b: {
      label: 'request(url, { headers, dispatcher })',
      run: async () => {
        const res = await request(url, { headers: fixedHeaders, dispatcher: agent });
        await check(res);
        await res.body.arrayBuffer();
      },
    },
  },
];

// BENCH_DIAG=1: where the interceptor's cost goes. A do-nothing interceptor pays undici's own
// compose() cost (each handler is wrapped, response headers parsed, re-encoded and parsed again).
if (process.env.BENCH_DIAG) {
  const noop = agent.compose((dispatch) => (opts, handler) => dispatch(opts, handler));
  const rawRequest = async () => {
    const res = await request(url, { headers: fixedHeaders, dispatcher: agent });
    await check(res);
    await res.body.arrayBuffer();
  };
  pairs.push(
    {
      name: 'diag: do-nothing compose() vs undici.request',
      target: 0,
      a: {
        label: 'request(url, { headers, dispatcher: noop })',
        run: async () => {
          const res = await request(url, { headers: fixedHeaders, dispatcher: noop });
          await check(res);
          await res.body.arrayBuffer();
        },
      },
      b: { label: 'request(url, { headers, dispatcher })', run: rawRequest },
    },
    {
      name: 'diag: interceptor vs do-nothing compose()',
      target: 0,
      a: pairs[1]!.a,
      b: {
        label: 'request(url, { headers, dispatcher: noop })',
        run: async () => {
          const res = await request(url, { headers: fixedHeaders, dispatcher: noop });
          await check(res);
          await res.body.arrayBuffer();
        },
      },
    },
  );
}

const only = process.env.BENCH_ONLY;
let allMet = true;
try {
  for (const pair of pairs) if (!only || pair.name.includes(only)) allMet = (await runPair(pair)) && allMet;
} finally {
  child.disconnect();
  child.kill();
  await agent.close();
}
// Targets are reported, not enforced: a noisy machine must not fail `npm run bench`.
console.log(`\n${allMet ? 'all targets met' : 'some targets missed (see above)'}`);
