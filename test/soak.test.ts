/**
 * Soak (issue 9 §2.4): 24 simulated hours of 60-second tokens under constant callers, on fake timers, in a
 * few seconds of real time.
 *
 * Callers: a batch every 10 simulated seconds, and one every simulated millisecond around each renewal
 * (the 2 ms before and after it), where a caller a millisecond early or late would change what happens.
 * Every caller passes the same long-lived `AbortSignal`, as a service passes its shutdown signal.
 *
 * Asserted: the exact number of token requests and the exact instant of each (from the skew rule of
 * docs/lifecycle.md: a 60 s token is renewed 30 s after it arrived; a proactive manager renews 5 s before
 * that), every caller served a token that has not expired, and no growth in heap (after `gc()`), in
 * listeners on the caller's signal, or in timers and sockets (`process.getActiveResourcesInfo()`).
 */
import { getEventListeners } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FetchLike, TokenManager } from '../src/index.js';
import { currentSweep } from './helpers/secret-sweep.js';

/** Lets pending microtasks run (a chain of up to 200 awaits) without moving any clock or touching a timer. */
async function settle(): Promise<void> {
  for (let i = 0; i < 200; i++) await Promise.resolve();
}

const DAY_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;
/** Heap, listeners, timers and sockets are sampled this often (each sample runs a full GC: ~40 ms). */
const SAMPLE_EVERY_MS = 2 * HOUR_MS;
const LIFETIME_S = 60;
/** Callers started together at each coarse step. */
const BATCH = 5;
/** The coarse step, simulated ms: callers come at least this often. */
const STEP_MS = 10_000;
/** Around each renewal, a caller every millisecond for this many ms before and after it. */
const WINDOW_MS = 2;

/** `global.gc`, exposed at run time when the process was not started with `--expose-gc`. */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Resources that would keep a process alive, by kind. */
function liveResources(): { timers: number; sockets: number } {
  const info = process.getActiveResourcesInfo();
  return { timers: info.filter((r) => r === 'Timeout').length, sockets: info.filter((r) => /TCP|Pipe|TLS/i.test(r) && r !== 'PipeWrap').length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * A token endpoint that checks each request arrives exactly at the next expected instant (ms since the
 * start) and keeps nothing per request, so the soak measures tokenward's memory, not its own.
 */
function strictEndpoint(start: number, periodMs: number): { fetch: FetchLike; requests: () => number } {
  let requests = 0;
  const fetch: FetchLike = async () => {
    const at = Date.now() - start;
    if (at !== requests * periodMs) throw new Error(`token request ${requests + 1} at ${at} ms, expected at ${requests * periodMs} ms`);
    requests++;
    const body = JSON.stringify({ access_token: `soak-${requests}-${start}`, token_type: 'Bearer', expires_in: LIFETIME_S });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, requests: () => requests };
}

/** Every coarse step, plus each millisecond within {@link WINDOW_MS} of a multiple of `periodMs`, before the end of the day. */
function callerInstants(periodMs: number): number[] {
  const instants = new Set<number>();
  for (let t = 0; t < DAY_MS; t += STEP_MS) instants.add(t);
  for (let b = 0; b <= DAY_MS; b += periodMs) for (let d = -WINDOW_MS; d <= WINDOW_MS; d++) if (b + d >= 0 && b + d < DAY_MS) instants.add(b + d);
  return [...instants].sort((a, b) => a - b);
}

/**
 * `AbortSignal.timeout` on the fake clock. The real one arms a real (unref'd) timer per token request that
 * lives `timeout` (10 s) of real time: a simulated day passes in seconds, so thousands of them would still
 * be pending at the end and show up as heap growth no real process has. On the fake clock each one ends
 * 10 simulated seconds after its request, as it does in production.
 */
function abortSignalTimeoutOnFakeClock(): () => void {
  const real = AbortSignal.timeout;
  AbortSignal.timeout = (ms: number) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
    return controller.signal;
  };
  return () => {
    AbortSignal.timeout = real;
  };
}

interface SoakResult {
  requests: number;
  heap: number[];
  signalListeners: number[];
  fakeTimers: number[];
  live: Array<{ timers: number; sockets: number }>;
}

async function soak(periodMs: number, proactive: boolean): Promise<SoakResult> {
  const gc = exposeGc();
  const start = Date.now();
  const endpoint = strictEndpoint(start, periodMs);
  const tm = new TokenManager({ tokenUrl: 'https://auth.example.com/token', fetch: endpoint.fetch, proactive });
  const shutdown = new AbortController();
  const options = { signal: shutdown.signal };
  let expired = 0;
  let renewed: Promise<void> = Promise.resolve();
  let resolveRenewed = () => {};
  tm.on('token', () => resolveRenewed());
  const result: SoakResult = { requests: 0, heap: [], signalListeners: [], fakeTimers: [], live: [] };

  let now = 0;
  let nextSample = 0;
  for (const instant of callerInstants(periodMs)) {
    const before = endpoint.requests();
    renewed = new Promise((resolve) => (resolveRenewed = resolve));
    vi.advanceTimersByTime(instant - now);
    now = instant;
    // Whatever a timer started (a proactive renewal) runs to its first I/O before the clock moves on, however
    // many awaits stand before its request: the instant of the request is then the instant of the timer.
    await settle();
    // A proactive renewal started by the timer: let it land before the callers of this instant.
    if (endpoint.requests() !== before) await renewed;
    const batch = instant % STEP_MS === 0 ? BATCH : 1;
    const calls = [];
    for (let i = 0; i < batch; i++) calls.push(tm.getToken(options));
    for (const token of await Promise.all(calls)) if (token.expiresAt <= Date.now()) expired++;
    if (instant >= nextSample) {
      nextSample += SAMPLE_EVERY_MS;
      gc();
      result.heap.push(process.memoryUsage().heapUsed);
      result.signalListeners.push(getEventListeners(shutdown.signal, 'abort').length);
      result.fakeTimers.push(vi.getTimerCount());
      result.live.push(liveResources());
    }
  }
  expect(expired, 'callers served an expired token').toBe(0);
  result.requests = endpoint.requests();
  await tm.logoff();
  return result;
}

/** The checks both soaks share: nothing grew over the day. */
function expectNoGrowth(result: SoakResult, proactive: boolean): void {
  expect(result.heap).toHaveLength(DAY_MS / SAMPLE_EVERY_MS);
  // The first sample includes warm-up (JIT, lazy modules); compare hours 2-6 with hours 18-22.
  const early = median(result.heap.slice(1, 4));
  const late = median(result.heap.slice(9));
  expect(late - early, `heap grew from ${early} to ${late} bytes over the day`).toBeLessThan(1024 * 1024);
  expect(Math.max(...result.signalListeners), "abort listeners left on the caller's signal").toBe(0);
  // Samples fall on a renewal: its transport timeout (10 s) is pending, and the proactive timer.
  expect(Math.max(...result.fakeTimers), 'timers pending at once').toBeLessThanOrEqual(proactive ? 2 : 1);
  const first = result.live[0]!;
  for (const sample of result.live) expect(sample).toEqual(first);
}

beforeAll(() => currentSweep().pause());
afterAll(() => currentSweep().resume());
let restoreTimeout = () => {};
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  restoreTimeout = abortSignalTimeoutOnFakeClock();
});
afterEach(() => {
  restoreTimeout();
  vi.useRealTimers();
});

describe('24 simulated hours of 60-second tokens', () => {
  it('on demand: one token request every 30 s, exactly on time, and nothing grows', async () => {
    const result = await soak(30_000, false);
    expect(result.requests).toBe(DAY_MS / 30_000);
    expectNoGrowth(result, false);
  });

  it('proactive: one background renewal every 25 s, exactly on time, and nothing grows', async () => {
    const result = await soak(25_000, true);
    expect(result.requests).toBe(DAY_MS / 25_000);
    expectNoGrowth(result, true);
  });
});
