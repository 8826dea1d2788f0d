/**
 * No span or metric `tokenward/otel` exports holds a secret: a run through every path it records (password
 * grant, refresh, refused refresh and fallback, retries, a 401 replay, a store error, a parameter set with a
 * subject token, logoff) with a distinct secret in every place one can hide, then every exported string
 * (span names, attributes, events, status messages, metric attributes) is searched for each of them.
 */
import { afterAll, expect, it } from 'vitest';
import { MemoryTokenStore, TokenManager, type TokenStore } from '../src/index.js';
import { instrument, SPAN_NAMES as S } from '../src/otel.js';
import { fakeEndpoint, json } from './helpers/fake-token-endpoint.js';
import { otelHarness } from './helpers/otel.js';

const SECRETS = {
  clientSecret: 'sweep-client-secret-41',
  password: 'sweep-password-42',
  username: 'sweep-user-43',
  tokenQuery: 'sweep-token-url-query-44',
  apiQuery: 'sweep-api-query-45',
  subjectToken: 'sweep-subject-token-46',
  challengeText: 'sweep-challenge-text-47',
  storeText: 'sweep-store-text-48',
};
/** The server's own words are not a secret: they reach the span status, as they reach the error message. */
const REFUSAL = 'Refresh token is not active';
const API = 'https://api.example.test';
const otel = otelHarness();
afterAll(() => otel.shutdown());

it('no exported span or metric holds a token, secret, parameter value or URL query', async () => {
  const issued: string[] = [];
  const issue = (n: number) => {
    const access = `sweep-access-${n}-${Math.random().toString(36).slice(2)}`;
    const refresh = `sweep-refresh-${n}-${Math.random().toString(36).slice(2)}`;
    issued.push(access, refresh);
    return { access_token: access, token_type: 'Bearer', expires_in: 3600, refresh_token: refresh };
  };
  let apiCalls = 0;
  const ep = fakeEndpoint((req, n) => {
    if (req.url.startsWith(API)) {
      return ++apiCalls === 1
        ? json({}, 401, { 'www-authenticate': `Bearer error="invalid_token", error_description="${SECRETS.challengeText}"` })
        : json({ ok: true });
    }
    if (req.method === 'DELETE') return new Response(null, { status: 204 });
    if (req.grant === 'refresh_token' && n === 3) return json({ error: 'invalid_grant', error_description: REFUSAL }, 400);
    return issue(n);
  });
  ep.queue.push(() => new Response('busy', { status: 503 }));
  const memory = new MemoryTokenStore();
  let storeFailures = 1;
  const store: TokenStore = {
    get: (k) => (storeFailures-- > 0 ? Promise.reject(new Error(`store down: ${SECRETS.storeText}`)) : memory.get(k)),
    set: (k, t) => memory.set(k, t),
    delete: (k) => memory.delete(k),
  };
  const tm = new TokenManager({
    tokenUrl: `https://auth.example.test/oauth/token?tenant_key=${SECRETS.tokenQuery}`,
    grant: 'password',
    username: SECRETS.username,
    password: SECRETS.password,
    clientId: 'svc',
    clientSecret: SECRETS.clientSecret,
    clientAuth: 'basic',
    baseUrl: API,
    allowedOrigins: [API],
    retry: { retries: 2, minTimeout: 1, maxTimeout: 2 },
    logoff: { style: 'bearer' },
    store,
    fetch: ep.fetch,
  });
  const stop = instrument(tm, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
  try {
    await tm.getToken(); // store error, 503, then the password grant
    await tm.getToken({ forceRefresh: true }); // refresh refused, fallback to the grant
    await tm.getToken({ forceRefresh: true }); // refresh
    await tm.fetch(`/v1/things?api_key=${SECRETS.apiQuery}`); // 401, renewal, replay
    await tm.for({ params: { subject_token: SECRETS.subjectToken } }).getToken();
    await tm.logoff();
  } finally {
    stop();
  }

  // The sweep must have seen every kind of record, or it proves nothing.
  expect(new Set(otel.spans().map((s) => s.name))).toEqual(new Set(Object.values(S)));
  const strings = await otel.everyString();
  const text = strings.join('\n');
  expect(text).toContain('password');
  expect(text).toContain('/oauth/token');
  expect(text).toContain('invalid_grant');
  expect(text).toContain(REFUSAL);
  const secrets = [...Object.values(SECRETS), ...issued, Buffer.from(`svc:${SECRETS.clientSecret}`).toString('base64')];
  expect(issued.length).toBeGreaterThanOrEqual(8);
  const found = secrets.filter((secret) => strings.some((s) => s.includes(secret)));
  expect(found).toEqual([]);
});
