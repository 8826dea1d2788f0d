/**
 * Single-flight over a real socket: a thundering herd on a cold cache through the default undici
 * transport causes exactly one token request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TokenManager, type TokenwardError } from '../src/index.js';
import { startServer, type TestServer, tokenBody } from './helpers/http-server.js';

const CALLERS = 10_000;
let server: TestServer;
afterEach(async () => server?.close());

describe('a cold-cache herd over a real socket', () => {
  it(`${CALLERS.toLocaleString('en')} concurrent getToken() calls cause exactly one token request and share its token`, async () => {
    let issued = 0;
    // A little latency, as any real token endpoint has, so the whole herd arrives while the request is open.
    server = await startServer({ 'POST /oauth/token': () => ({ body: tokenBody(`herd-${++issued}`), delayMs: 25 }) });
    const tm = new TokenManager({ tokenUrl: `${server.url}/oauth/token`, clientId: 'svc', clientSecret: 'herd-secret', clientAuth: 'basic' });
    const tokens = await Promise.all(Array.from({ length: CALLERS }, () => tm.getToken()));
    expect(server.requestsTo('/oauth/token')).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['herd-1']));
    // And once cached, another herd causes none.
    await Promise.all(Array.from({ length: CALLERS }, () => tm.getToken()));
    expect(server.requestsTo('/oauth/token')).toHaveLength(1);
    await tm.logoff();
  });

  it(`${CALLERS.toLocaleString('en')} concurrent callers share one failure too, and the next call tries again`, async () => {
    let calls = 0;
    server = await startServer({
      'POST /oauth/token': () => (++calls === 1 ? { status: 400, body: { error: 'invalid_scope' }, delayMs: 25 } : { body: tokenBody('after') }),
    });
    const tm = new TokenManager({ tokenUrl: `${server.url}/oauth/token`, clientId: 'svc', clientSecret: 'herd-secret', clientAuth: 'basic' });
    const results = await Promise.allSettled(Array.from({ length: CALLERS }, () => tm.getToken()));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as TokenwardError).error === 'invalid_scope')).toBe(true);
    expect(server.requestsTo('/oauth/token')).toHaveLength(1);
    expect((await tm.getToken()).accessToken).toBe('after');
    expect(server.requestsTo('/oauth/token')).toHaveLength(2);
  });
});
