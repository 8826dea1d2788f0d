/**
 * Real-time soak, for manual runs (issue 9 §2.4): one `TokenManager` under constant callers against a
 * local token server (in a child process, so its memory is not counted), for as long as you like.
 * Prints, every `--report` seconds, the token requests per token lifetime beside what the skew rule of
 * docs/lifecycle.md predicts, and heap (after GC), timers and sockets over time. test/soak.test.ts is the
 * 24-hour version on fake timers that runs in `npm test`.
 *
 *   npx tsx bench/soak.ts --minutes 10
 *   npx tsx bench/soak.ts --minutes 60 --lifetime 30 --proactive --api
 *
 * Options: --minutes (10), --lifetime token lifetime in s (10), --callers per tick (10), --tick ms between
 * ticks (1), --report s between lines (30), --proactive, --api (also call the API through tm.fetch).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DEFAULTS, TokenManager } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    lifetime: { type: 'string', default: '10' },
    callers: { type: 'string', default: '10' },
    tick: { type: 'string', default: '1' },
    report: { type: 'string', default: '30' },
    proactive: { type: 'boolean', default: false },
    api: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
  },
});

if (args.serve) serve();
else await soak();

/** The child: a token server counting nothing, answering `--lifetime` tokens, and an API. */
function serve(): void {
  let issued = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/token') {
        const body = JSON.stringify({ access_token: `soak-${++issued}-${process.pid}`, token_type: 'Bearer', expires_in: Number(args.lifetime) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      } else {
        res.writeHead(req.headers.authorization?.startsWith('Bearer soak-') ? 200 : 401, { 'content-length': '2' }).end('ok');
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function soak(): Promise<void> {
  const minutes = Number(args.minutes);
  const lifetimeS = Number(args.lifetime);
  const callers = Number(args.callers);
  const tickMs = Number(args.tick);
  const reportS = Number(args.report);
  const child = fork(new URL(import.meta.url).pathname, ['--serve', '--lifetime', String(lifetimeS)], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const origin = `http://127.0.0.1:${port}`;

  let requests = 0;
  const tm = new TokenManager({
    tokenUrl: `${origin}/token`,
    clientId: 'soak',
    clientSecret: 'soak-secret',
    clientAuth: 'basic',
    baseUrl: origin,
    proactive: args.proactive,
  });
  tm.on('token', () => requests++);
  const errors = new Map<string, number>();
  tm.on('error', (e) => errors.set(e.code, (errors.get(e.code) ?? 0) + 1));

  // The skew rule: renewed min(refreshSkew, lifetime / 2) before expiry; proactive 5 s (or half-way) earlier.
  const skewS = Math.min(DEFAULTS.refreshSkew, lifetimeS / 2);
  const onDemandS = lifetimeS - skewS;
  const renewEveryS = args.proactive ? onDemandS - Math.min(5, onDemandS / 2) : onDemandS;
  const gc = exposeGc();
  const started = performance.now();
  const endAt = started + minutes * 60_000;
  let calls = 0;
  let expiredServed = 0;
  let running = true;

  console.log(
    `soak: ${minutes} min, ${lifetimeS} s tokens, ${callers} callers every ${tickMs} ms${args.proactive ? ', proactive' : ''}${args.api ? ', with tm.fetch' : ''}`,
  );
  console.log(`expected: one token request every ${renewEveryS} s = ${(lifetimeS / renewEveryS).toFixed(2)} per lifetime (plus the request round trip)`);
  console.log('elapsed_s  requests  per_lifetime  expected  calls_per_s  heap_mb  timers  sockets  errors');

  const report = () => {
    const elapsedS = (performance.now() - started) / 1000;
    gc();
    const info = process.getActiveResourcesInfo();
    const row = [
      elapsedS.toFixed(0).padStart(9),
      String(requests).padStart(9),
      (requests / (elapsedS / lifetimeS)).toFixed(3).padStart(13),
      (lifetimeS / renewEveryS).toFixed(3).padStart(9),
      (calls / elapsedS).toFixed(0).padStart(12),
      (process.memoryUsage().heapUsed / 1024 / 1024).toFixed(2).padStart(8),
      String(info.filter((r) => r === 'Timeout').length).padStart(7),
      String(info.filter((r) => r.startsWith('TCP')).length).padStart(8),
      `  ${[...errors].map(([code, n]) => `${code}=${n}`).join(' ') || '-'}`,
    ];
    console.log(row.join(''));
  };
  const reporter = setInterval(report, reportS * 1000);

  while (running) {
    const batch: Array<Promise<unknown>> = [];
    for (let i = 0; i < callers; i++) {
      batch.push(
        tm.getToken().then((t) => {
          if (t.expiresAt <= Date.now()) expiredServed++;
        }),
      );
    }
    if (args.api) batch.push(tm.fetch('/api').then((r) => r.arrayBuffer()));
    await Promise.all(batch);
    calls += callers;
    await new Promise((resolve) => setTimeout(resolve, tickMs));
    if (performance.now() >= endAt) running = false;
  }
  clearInterval(reporter);
  report();
  const elapsedS = (performance.now() - started) / 1000;
  console.log(
    `done: ${requests} token requests in ${elapsedS.toFixed(0)} s, ${(requests / (elapsedS / lifetimeS)).toFixed(3)} per lifetime; ${expiredServed} calls served an expired token`,
  );
  await tm.logoff();
  child.disconnect();
}
