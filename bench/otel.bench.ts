/**
 * What `tokenward/otel` costs a cache hit. Each configuration runs in a process of its own (switching
 * instrumentation on and off in one process flips the channels' hidden classes and measures the JIT's
 * deopts, not a service's steady state): nothing instrumented, `instrument(tm)` with traces only (cache
 * lookups not observed), and with metrics (each hit counted). A child measures `await tm.getToken()`
 * against an awaited `Map.get` in interleaved rounds and prints the ratio; the parent runs the children
 * A B C A B C ... and compares the median ratios, so machine load hits every configuration alike.
 * Targets: traces only within 1.05x of nothing instrumented; metrics within 1.5x. Run: `npm run bench -- otel`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CONFIGS = ['not instrumented', 'instrument: traces', 'instrument: metrics'] as const;
type Config = (typeof CONFIGS)[number];
const RUNS = 5;
const ITERATIONS = 200_000;
const ROUNDS = 21;

const median = (values: number[]) => {
  const s = values.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** One configuration's process: prints `{ hit, map }`, the median ns of each. */
async function child(config: Config): Promise<void> {
  const { TokenManager } = await import('../src/index.js');
  const { instrument } = await import('../src/otel.js');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  class CollectOnly extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  const body = JSON.stringify({ access_token: 'bench-token', token_type: 'Bearer', expires_in: 3600 });
  const tm = new TokenManager({
    tokenUrl: 'http://127.0.0.1:1/token',
    clientId: 'bench',
    clientSecret: 'bench-secret',
    fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
  });
  const providers = {
    tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] }),
    meterProvider: new MeterProvider({ readers: [new CollectOnly()] }),
  };
  if (config !== 'not instrumented') instrument(tm, { ...providers, traces: config === 'instrument: traces', metrics: config === 'instrument: metrics' });
  const map = new Map([['k', await tm.getToken()]]);
  let sink = 0;
  const loops = {
    hit: async () => {
      for (let i = 0; i < ITERATIONS; i++) sink += (await tm.getToken()).expiresAt & 1;
    },
    map: async () => {
      for (let i = 0; i < ITERATIONS; i++) sink += (await map.get('k'))!.expiresAt & 1;
    },
  };
  const samples = { hit: [] as number[], map: [] as number[] };
  await loops.hit();
  await loops.map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? (['hit', 'map'] as const) : (['map', 'hit'] as const)) {
      (globalThis as { gc?: () => void }).gc?.();
      const start = process.hrtime.bigint();
      await loops[name]();
      samples[name].push(Number(process.hrtime.bigint() - start) / ITERATIONS);
    }
  }
  process.stdout.write(JSON.stringify({ hit: median(samples.hit), map: median(samples.map), sink: sink === -1 }));
}

function parent(): void {
  const file = fileURLToPath(import.meta.url);
  const ratios = Object.fromEntries(CONFIGS.map((c) => [c, [] as number[]])) as Record<Config, number[]>;
  const hits = Object.fromEntries(CONFIGS.map((c) => [c, [] as number[]])) as Record<Config, number[]>;
  for (let run = 0; run < RUNS; run++) {
    for (const config of CONFIGS) {
      const out = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, '--child', config], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`child ${config} failed: ${out.stderr}`);
      const { hit, map } = JSON.parse(out.stdout) as { hit: number; map: number };
      ratios[config].push(hit / map);
      hits[config].push(hit);
    }
  }
  console.log(
    `cache hit and tokenward/otel: ${RUNS} processes per configuration, run in turn, each the median of ${ROUNDS} rounds of ${ITERATIONS.toLocaleString('en')} calls (node ${process.version})`,
  );
  for (const config of CONFIGS) {
    console.log(
      `  ${config.padEnd(22)} ${median(hits[config]).toFixed(1).padStart(7)} ns/op, ${median(ratios[config]).toFixed(2)}x an awaited Map.get (runs: ${ratios[config].map((r) => r.toFixed(2)).join(' ')})`,
    );
  }
  const off = median(ratios['not instrumented']);
  const traces = median(ratios['instrument: traces']) / off;
  const metrics = median(ratios['instrument: metrics']) / off;
  console.log(`  traces  / not instrumented: ${traces.toFixed(2)}x (target <= 1.05x) ${traces <= 1.05 ? 'OK' : 'OVER TARGET'}`);
  console.log(`  metrics / not instrumented: ${metrics.toFixed(2)}x (target <= 1.50x) ${metrics <= 1.5 ? 'OK' : 'OVER TARGET'}`);
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1] as Config);
else parent();
