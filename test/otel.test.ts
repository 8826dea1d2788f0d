/**
 * `tokenward/otel` against a fake token endpoint, with the SDK's in-memory exporters: the spans and
 * metrics of a grant, a refresh, a refused refresh with its fallback, retries on 503, a failed grant, a
 * 401 replay through `tm.fetch`, a store error and a logoff. Attributes are asserted as a backend shows them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTokenStore, TokenManager, type TokenManagerOptions, type TokenStore } from '../src/index.js';
import { ATTRIBUTES as A, type Instrumentation, instrument, METRIC_NAMES as M, SPAN_NAMES as S } from '../src/otel.js';
import { type FakeEndpoint, fakeEndpoint, json } from './helpers/fake-token-endpoint.js';
import { type OtelHarness, otelHarness, parentOf } from './helpers/otel.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const API = 'https://api.example.test';
const SECRET = 'otel-client-secret-1';
const FAST_RETRY = { retries: 3, minTimeout: 1, maxTimeout: 2 };

let otel: OtelHarness;
let stop: Instrumentation | undefined;
beforeEach(() => {
  otel = otelHarness();
});
afterEach(async () => {
  stop?.();
  stop = undefined;
  await otel.shutdown();
});

function manager(ep: FakeEndpoint, options: Partial<TokenManagerOptions> = {}): TokenManager {
  const tm = new TokenManager({
    tokenUrl: TOKEN_URL,
    clientId: 'svc',
    clientSecret: SECRET,
    clientAuth: 'basic',
    retry: FAST_RETRY,
    baseUrl: API,
    allowedOrigins: [API],
    fetch: ep.fetch,
    ...options,
  });
  stop = instrument(tm, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
  return tm;
}

const withRefreshToken = (_req: unknown, n: number) => ({
  access_token: `access-${n}-value`,
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: `refresh-${n}-value`,
});

describe('a grant', () => {
  it('is one acquisition span with one token-request child, and metrics for both', async () => {
    const tm = manager(fakeEndpoint());
    await tm.getToken();
    const [acquire] = otel.spans(S.acquire);
    const [request] = otel.spans(S.tokenRequest);
    expect(acquire?.attributes).toMatchObject({
      [A.grant]: 'client_credentials',
      [A.how]: 'grant',
      [A.outcome]: 'success',
      [A.hasParameters]: false,
      [A.forced]: false,
      [A.background]: false,
      [A.clientAuth]: 'basic',
      [A.refreshTokenUsed]: false,
      [A.refreshFallback]: false,
      [A.tokenRequests]: 1,
      [A.retryCount]: 0,
    });
    expect(request?.attributes).toEqual({
      [A.httpMethod]: 'POST',
      [A.serverAddress]: 'auth.example.test',
      [A.serverPort]: 443,
      [A.urlScheme]: 'https',
      [A.urlPath]: '/oauth/token',
      [A.grant]: 'client_credentials',
      [A.attempt]: 1,
      [A.clientAuth]: 'basic',
      [A.refreshTokenUsed]: false,
      [A.outcome]: 'success',
      [A.httpStatus]: 200,
    });
    expect(parentOf(request!)).toBe(acquire!.spanContext().spanId);
    expect(request!.spanContext().traceId).toBe(acquire!.spanContext().traceId);
    expect(await otel.points(M.tokenRequests)).toEqual([
      expect.objectContaining({
        unit: '{request}',
        value: 1,
        attributes: {
          [A.grant]: 'client_credentials',
          [A.clientAuth]: 'basic',
          [A.serverAddress]: 'auth.example.test',
          [A.outcome]: 'success',
          [A.httpStatus]: 200,
        },
      }),
    ]);
    expect(await otel.points(M.acquisitionDuration)).toEqual([
      expect.objectContaining({
        unit: 'ms',
        value: 1,
        attributes: { [A.grant]: 'client_credentials', [A.hasParameters]: false, [A.outcome]: 'success', [A.how]: 'grant' },
      }),
    ]);
  });

  it('counts the waiting caller as a miss and every cached answer as a hit (getToken, tm.fetch)', async () => {
    const ep = fakeEndpoint((req, n) =>
      req.url.startsWith(API) ? json({ ok: true }) : { access_token: `access-${n}-value`, token_type: 'Bearer', expires_in: 3600 },
    );
    const tm = manager(ep);
    await tm.getToken();
    for (let i = 0; i < 5; i++) await tm.getToken();
    await tm.fetch('/v1/things');
    expect(await otel.total(M.cacheMisses)).toBe(1);
    expect(await otel.total(M.cacheHits, { [A.hasParameters]: false })).toBe(6);
    expect(otel.spans(S.acquire)).toHaveLength(1);
  });

  it('a failed grant: the acquisition span is an error with its code, the request counted by status', async () => {
    const tm = manager(fakeEndpoint(() => json({ error: 'invalid_client', error_description: 'bad secret' }, 401)));
    await expect(tm.getToken()).rejects.toMatchObject({ code: 'ERR_TOKENWARD_OAUTH' });
    const [acquire] = otel.spans(S.acquire);
    expect(acquire?.status).toMatchObject({ code: 2 });
    expect(acquire?.attributes).toMatchObject({ [A.outcome]: 'failure', [A.errorType]: 'ERR_TOKENWARD_OAUTH' });
    expect(acquire?.events.map((e) => e.name)).toContain('exception');
    expect(otel.spans(S.tokenRequest)[0]?.attributes).toMatchObject({ [A.httpStatus]: 401, [A.outcome]: 'failure', [A.oauthError]: 'invalid_client' });
    expect(await otel.total(M.tokenRequests, { [A.outcome]: 'failure', [A.httpStatus]: 401, [A.errorType]: 'ERR_TOKENWARD_OAUTH' })).toBe(1);
  });
});

describe('a refresh', () => {
  it('is an acquisition by refresh token, its request sent with grant refresh_token', async () => {
    const ep = fakeEndpoint(withRefreshToken);
    const tm = manager(ep);
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    expect(ep.count('refresh_token')).toBe(1);
    const refresh = otel.spans(S.acquire)[1];
    expect(refresh?.attributes).toMatchObject({
      [A.how]: 'refresh',
      [A.forced]: true,
      [A.refreshTokenUsed]: true,
      [A.refreshFallback]: false,
      [A.tokenRequests]: 1,
    });
    expect(otel.spans(S.tokenRequest)[1]?.attributes).toMatchObject({ [A.grant]: 'refresh_token', [A.refreshTokenUsed]: true, [A.httpStatus]: 200 });
    expect(await otel.total(M.tokenRequests, { [A.grant]: 'refresh_token', [A.outcome]: 'success' })).toBe(1);
    expect(await otel.total(M.acquisitionDuration, { [A.how]: 'refresh' })).toBe(1);
  });

  it('refused, falls back to the grant: both requests under one acquisition, the refusal as an event', async () => {
    const ep = fakeEndpoint((req, n) =>
      req.grant === 'refresh_token' ? json({ error: 'invalid_grant', error_description: 'Token is not active' }, 400) : withRefreshToken(req, n),
    );
    const tm = manager(ep);
    await tm.getToken();
    await tm.getToken({ forceRefresh: true });
    const fallback = otel.spans(S.acquire)[1]!;
    expect(fallback.attributes).toMatchObject({
      [A.how]: 'grant',
      [A.refreshTokenUsed]: true,
      [A.refreshFallback]: true,
      [A.tokenRequests]: 2,
      [A.outcome]: 'success',
    });
    expect(fallback.events.find((e) => e.name === 'tokenward.refresh_refused')?.attributes).toEqual({
      [A.errorType]: 'ERR_TOKENWARD_OAUTH',
      [A.oauthError]: 'invalid_grant',
      [A.httpStatus]: 400,
    });
    const children = otel.spans(S.tokenRequest).filter((s) => parentOf(s) === fallback.spanContext().spanId);
    expect(children.map((s) => [s.attributes[A.grant], s.attributes[A.httpStatus], s.attributes[A.outcome]])).toEqual([
      ['refresh_token', 400, 'failure'],
      ['client_credentials', 200, 'success'],
    ]);
  });
});

describe('retries', () => {
  it('on 503: a request span per attempt with its number, the retries counted and on the acquisition', async () => {
    const ep = fakeEndpoint();
    ep.queue.push(
      () => new Response('busy', { status: 503 }),
      () => new Response('busy', { status: 503 }),
    );
    const tm = manager(ep);
    await tm.getToken();
    const requests = otel.spans(S.tokenRequest);
    expect(requests.map((s) => [s.attributes[A.attempt], s.attributes[A.resendCount], s.attributes[A.httpStatus], s.attributes[A.outcome]])).toEqual([
      [1, undefined, 503, 'transient_failure'],
      [2, 1, 503, 'transient_failure'],
      [3, 2, 200, 'success'],
    ]);
    const [acquire] = otel.spans(S.acquire);
    expect(acquire?.attributes).toMatchObject({ [A.tokenRequests]: 3, [A.retryCount]: 2, [A.outcome]: 'success' });
    expect(acquire?.events.filter((e) => e.name === 'tokenward.retry').map((e) => e.attributes?.[A.attempt])).toEqual([1, 2]);
    expect(await otel.total(M.retries)).toBe(2);
    expect(await otel.total(M.tokenRequests, { [A.outcome]: 'transient_failure', [A.httpStatus]: 503 })).toBe(2);
    expect(await otel.total(M.tokenRequests, { [A.outcome]: 'success' })).toBe(1);
  });
});

describe('a 401 from the API', () => {
  it('through tm.fetch: a replay span and counter, and the renewal as a second acquisition', async () => {
    let calls = 0;
    const ep = fakeEndpoint((req, n) => {
      if (!req.url.startsWith(API)) return { access_token: `access-${n}-value`, token_type: 'Bearer', expires_in: 3600 };
      return ++calls === 1
        ? json({}, 401, { 'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="expired"' })
        : json({ ok: true });
    });
    const tm = manager(ep);
    expect((await tm.fetch('/v1/things?page=2')).status).toBe(200);
    expect(otel.spans(S.authReplay).map((s) => s.attributes)).toEqual([
      {
        [A.httpStatus]: 401,
        [A.serverAddress]: 'api.example.test',
        [A.serverPort]: 443,
        [A.urlScheme]: 'https',
        [A.urlPath]: '/v1/things',
        [A.challengeScheme]: 'Bearer',
        [A.challengeError]: 'invalid_token',
      },
    ]);
    expect(otel.spans(S.acquire)).toHaveLength(2);
    expect(await otel.total(M.authReplays, { [A.httpStatus]: 401, [A.serverAddress]: 'api.example.test' })).toBe(1);
  });
});

describe('a failing store', () => {
  it('is counted by its own code', async () => {
    const memory = new MemoryTokenStore();
    const store: TokenStore = {
      get: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })),
      set: (k, t) => memory.set(k, t),
      delete: (k) => memory.delete(k),
    };
    const tm = manager(fakeEndpoint(), { store });
    await tm.getToken();
    expect(await otel.total(M.storeErrors, { [A.errorType]: 'ECONNREFUSED' })).toBe(1);
    expect(otel.spans(S.acquire)[0]?.attributes).toMatchObject({ [A.outcome]: 'success', [A.how]: 'grant' });
  });
});

describe('logoff', () => {
  it('is a span per token released, with the style and whether the server released it', async () => {
    const ep = fakeEndpoint((req, n) => (req.method === 'DELETE' ? new Response(null, { status: 204 }) : withRefreshToken(req, n)));
    const tm = manager(ep, { logoff: { style: 'bearer' } });
    await tm.getToken();
    await tm.logoff();
    const [logoff] = otel.spans(S.logoff);
    expect(logoff?.attributes).toMatchObject({ [A.logoffStyle]: 'bearer', [A.released]: true, [A.outcome]: 'success', [A.hasParameters]: false });
    expect(await otel.total(M.logoffs, { [A.released]: true, [A.logoffStyle]: 'bearer' })).toBe(1);
  });

  it('a failed logoff is an error span, counted as not released', async () => {
    const ep = fakeEndpoint((req, n) => (req.method === 'DELETE' ? new Response('nope', { status: 500 }) : withRefreshToken(req, n)));
    const tm = manager(ep, { logoff: { style: 'bearer' } });
    await tm.getToken();
    await expect(tm.logoff()).rejects.toMatchObject({ code: 'ERR_TOKENWARD_LOGOFF' });
    expect(otel.spans(S.logoff)[0]?.attributes).toMatchObject({ [A.released]: false, [A.outcome]: 'failure', [A.errorType]: 'ERR_TOKENWARD_LOGOFF' });
    expect(await otel.total(M.logoffs, { [A.released]: false, [A.outcome]: 'failure' })).toBe(1);
  });

  it('a logoff that renews an expired session to release it shows that refresh as its child', async () => {
    const ep = fakeEndpoint((req, n) => (req.method === 'DELETE' ? new Response(null, { status: n === 2 ? 401 : 204 }) : withRefreshToken(req, n)));
    const tm = manager(ep, { logoff: { style: 'bearer' } });
    await tm.getToken();
    await tm.logoff();
    const [logoff] = otel.spans(S.logoff);
    const children = otel.spans(S.tokenRequest).filter((s) => parentOf(s) === logoff!.spanContext().spanId);
    expect(children.map((s) => s.attributes[A.grant])).toEqual(['refresh_token']);
    expect(logoff?.attributes).toMatchObject({ [A.released]: true, [A.tokenRequests]: 1 });
  });
});
