/**
 * `tokenward/otel`'s surface: `instrument(tm)` watches one manager (its views and parameter sets too),
 * `enableOpenTelemetry()` every manager, the disposer stops both, options are checked, a broken SDK never
 * breaks a token request, and with metrics off nothing listens to cache lookups.
 */
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, cacheChannel, TokenManager, type TokenManagerOptions } from '../src/index.js';
import { ATTRIBUTES as A, enableOpenTelemetry, type Instrumentation, instrument, METRIC_NAMES as M, SPAN_NAMES as S } from '../src/otel.js';
import { authInterceptor } from '../src/undici.js';
import { type FakeEndpoint, fakeEndpoint } from './helpers/fake-token-endpoint.js';
import { startServer, tokenBody } from './helpers/http-server.js';
import { type OtelHarness, otelHarness, parentOf } from './helpers/otel.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';

let otel: OtelHarness;
const stops: Instrumentation[] = [];
beforeEach(() => {
  otel = otelHarness();
});
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  vi.useRealTimers();
  await otel.shutdown();
});

function manager(ep: FakeEndpoint = fakeEndpoint(), options: Partial<TokenManagerOptions> = {}): TokenManager {
  return new TokenManager({
    tokenUrl: TOKEN_URL,
    clientId: 'svc',
    clientSecret: 'api-test-secret',
    clientAuth: 'basic',
    retry: false,
    fetch: ep.fetch,
    ...options,
  });
}

const providers = () => ({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
const track = (stop: Instrumentation) => (stops.push(stop), stop);

describe('instrument(tm)', () => {
  it('watches that manager only', async () => {
    const [mine, other] = [manager(), manager()];
    track(instrument(mine, providers()));
    await Promise.all([mine.getToken(), other.getToken()]);
    await Promise.all([mine.getToken(), other.getToken(), other.getToken()]);
    expect(otel.spans(S.acquire)).toHaveLength(1);
    expect(otel.spans(S.tokenRequest)).toHaveLength(1);
    expect(await otel.total(M.tokenRequests)).toBe(1);
    expect(await otel.total(M.cacheHits)).toBe(1);
    expect(await otel.total(M.cacheMisses)).toBe(1);
  });

  it('covers its views and parameter sets, saying a token has parameters and never what they are', async () => {
    const tm = manager();
    track(instrument(tm, providers()));
    const view = tm.for({ audience: 'https://orders.example.test', params: { subject_token: 'subject-token-value-9' } });
    await view.getToken();
    await view.getToken();
    await tm.getToken({ resource: 'https://billing.example.test/' });
    expect(otel.spans(S.acquire).map((s) => s.attributes[A.hasParameters])).toEqual([true, true]);
    expect(await otel.total(M.cacheHits, { [A.hasParameters]: true })).toBe(1);
    expect(await otel.total(M.cacheMisses, { [A.hasParameters]: true })).toBe(2);
    const text = (await otel.everyString()).join('\n');
    expect(text).not.toMatch(/subject-token-value-9|orders\.example|billing\.example/);
  });

  it('adds its `attributes` to every span and point; managers instrumented alike add up', async () => {
    const [a, b] = [manager(), manager()];
    track(instrument(a, { ...providers(), attributes: { 'tokenward.client': 'orders' } }));
    track(instrument(b, { ...providers(), attributes: { 'tokenward.client': 'orders' } }));
    await Promise.all([a.getToken(), b.getToken()]);
    await Promise.all([a.getToken(), b.getToken(), b.getToken()]);
    expect(otel.spans().every((s) => s.attributes['tokenward.client'] === 'orders')).toBe(true);
    expect(await otel.total(M.cacheHits, { 'tokenward.client': 'orders' })).toBe(3);
    expect(await otel.total(M.acquisitionDuration, { 'tokenward.client': 'orders' })).toBe(2);
  });

  it('stops when disposed: no span, no count, nothing left listening to cache lookups', async () => {
    const tm = manager();
    const stop = instrument(tm, providers());
    await tm.getToken();
    expect(cacheChannel.hasSubscribers).toBe(true);
    stop();
    stop();
    await tm.getToken({ forceRefresh: true });
    await tm.getToken();
    expect(otel.spans(S.acquire)).toHaveLength(1);
    expect(await otel.total(M.cacheHits)).toBe(0);
    expect(cacheChannel.hasSubscribers).toBe(false);
  });

  it('is disposable with `using`', async () => {
    const tm = manager();
    {
      using _instrumented = instrument(tm, providers());
      await tm.getToken();
    }
    await tm.getToken({ forceRefresh: true });
    expect(otel.spans(S.acquire)).toHaveLength(1);
  });

  it('with metrics off, records spans and leaves cache lookups unobserved; with traces off, metrics only', async () => {
    const tm = manager();
    track(instrument(tm, { ...providers(), metrics: false }));
    expect(cacheChannel.hasSubscribers).toBe(false);
    await tm.getToken();
    expect(otel.spans(S.acquire)).toHaveLength(1);
    expect(await otel.points()).toEqual([]);
    stops.pop()!();
    track(instrument(tm, { ...providers(), traces: false }));
    await tm.getToken({ forceRefresh: true });
    expect(otel.spans(S.acquire)).toHaveLength(1);
    expect(await otel.total(M.tokenRequests)).toBe(1);
  });

  it('refuses what is not a manager, and wrong options, with a ConfigError naming them', () => {
    const tm = manager();
    expect(() => instrument(tm.for({ audience: 'x' }) as never)).toThrow(ConfigError);
    expect(() => instrument(tm.for({ audience: 'x' }) as never)).toThrow(/needs a TokenManager/);
    expect(() => instrument(tm, { tracerProvider: {} as never })).toThrow(/option `tracerProvider`/);
    expect(() => instrument(tm, { meterProvider: 'global' as never })).toThrow(/option `meterProvider`/);
    expect(() => instrument(tm, { traces: 'yes' as never })).toThrow(/option `traces` must be a boolean, got string/);
    expect(() => instrument(tm, { attributes: ['a'] as never })).toThrow(/option `attributes`/);
  });

  it('a throwing SDK never breaks a token request', async () => {
    const broken = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('exporter down');
        },
        startActiveSpan: () => {
          throw new Error('exporter down');
        },
      }),
    };
    const tm = manager();
    track(instrument(tm, { tracerProvider: broken as never, metrics: false }));
    await expect(tm.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' });
  });
});

describe('enableOpenTelemetry()', () => {
  it('watches every manager, also one created after it', async () => {
    const before = manager();
    track(enableOpenTelemetry(providers()));
    const after = manager();
    await Promise.all([before.getToken(), after.getToken()]);
    expect(otel.spans(S.acquire)).toHaveLength(2);
    expect(await otel.total(M.tokenRequests, { [A.outcome]: 'success' })).toBe(2);
  });

  it('counts the undici interceptor’s 401 replays', async () => {
    let issued = 0;
    const server = await startServer({
      'POST /token': () => ({ body: tokenBody(`interceptor-token-${++issued}`) }),
      'GET /api/item': (req) =>
        req.headers.authorization === 'Bearer interceptor-token-1'
          ? { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }
          : { body: { ok: true } },
    });
    const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'svc', clientSecret: 'api-test-secret', clientAuth: 'basic', retry: false });
    const agent = new Agent();
    try {
      track(enableOpenTelemetry(providers()));
      const res = await request(`${server.url}/api/item`, { dispatcher: agent.compose(authInterceptor(tm)) });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      expect(await otel.total(M.authReplays, { [A.httpStatus]: 401, [A.serverAddress]: '127.0.0.1' })).toBe(1);
      expect(otel.spans(S.authReplay)[0]?.attributes).toMatchObject({ [A.urlPath]: '/api/item', [A.challengeError]: 'invalid_token' });
    } finally {
      await agent.close();
      await server.close();
    }
  });

  it('a proactive renewal is a trace of its own, marked background', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const tm = manager(
      fakeEndpoint((_req, n) => ({ access_token: `proactive-${n}-value`, token_type: 'Bearer', expires_in: 120 })),
      { proactive: true },
    );
    track(enableOpenTelemetry(providers()));
    await tm.getToken();
    await vi.advanceTimersByTimeAsync(61_000);
    const [first, background] = otel.spans(S.acquire);
    expect(background?.attributes).toMatchObject({ [A.background]: true, [A.forced]: true, [A.how]: 'grant' });
    expect(parentOf(background!)).toBeUndefined();
    expect(background!.spanContext().traceId).not.toBe(first!.spanContext().traceId);
    await tm.logoff();
  });

  it('stopping one instrumentation leaves another whole: its token requests still nest under their acquisition', async () => {
    const tm = manager();
    const everyManager = enableOpenTelemetry({ ...providers(), attributes: { which: 'process' } });
    track(instrument(tm, { ...providers(), attributes: { which: 'tm' } }));
    everyManager();
    await tm.getToken();
    const [acquire] = otel.spans(S.acquire);
    const [request] = otel.spans(S.tokenRequest);
    expect([acquire?.attributes.which, request?.attributes.which]).toEqual(['tm', 'tm']);
    expect(parentOf(request!)).toBe(acquire!.spanContext().spanId);
  });
});
