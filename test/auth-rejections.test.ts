/**
 * When an API answer condemns the token, in `tm.fetch` and in the undici interceptor alike: only a
 * response from an origin that received the token can condemn it, only a real `invalid_token` or a
 * Bearer-less 401 counts, a broken API costs at most one renewal per cool-down whatever the token
 * endpoint answers, and aborts reject with the caller's reason on every path (issue 9, defects 3, 4,
 * 12 and 13).
 */
import { Readable } from 'node:stream';
import { Agent, interceptors, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenManager, type TokenManagerOptions } from '../src/index.js';
import { authInterceptor } from '../src/undici.js';
import { deferred } from './helpers/fake-token-endpoint.js';
import { type RecordedRequest, type RouteAnswer, startServer, type TestServer, tokenBody } from './helpers/http-server.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

async function server(routes: Record<string, (req: RecordedRequest) => RouteAnswer | Promise<RouteAnswer>>): Promise<TestServer> {
  const s = await startServer(routes);
  cleanup.push(() => s.close());
  return s;
}

function manager(s: TestServer, extra: Partial<TokenManagerOptions> = {}): TokenManager {
  return new TokenManager({ tokenUrl: `${s.url}/token`, clientId: 'svc', clientSecret: 's3cret', clientAuth: 'basic', retry: false, baseUrl: s.url, ...extra });
}

function interceptorAgent(tm: TokenManager, ...more: Parameters<Agent['compose']>): ReturnType<Agent['compose']> {
  const agent = new Agent({ keepAliveTimeout: 1000 });
  cleanup.push(() => agent.close());
  return agent.compose(authInterceptor(tm), ...more);
}

const tokenRequests = (s: TestServer) => s.requestsTo('/token').length;

describe('a token endpoint that hands back the same token (issue 9 defect 3)', () => {
  const routes = { 'POST /token': () => ({ body: tokenBody('same-token') }), 'GET /api': () => ({ status: 401 }) };

  it('tm.fetch: 5 calls to an API that rejects every token cost one renewal, not one per call', async () => {
    const s = await server(routes);
    const tm = manager(s);
    for (let i = 0; i < 5; i++) expect((await tm.fetch('/api')).status).toBe(401);
    // The first acquisition and one renewal; the cool-down holds whatever the endpoint answered.
    expect(tokenRequests(s)).toBe(2);
  });

  it('the interceptor: the same', async () => {
    const s = await server(routes);
    const tm = manager(s);
    const dispatcher = interceptorAgent(tm);
    for (let i = 0; i < 5; i++) {
      const res = await request(`${s.url}/api`, { dispatcher });
      await res.body.dump();
      expect(res.statusCode).toBe(401);
    }
    expect(tokenRequests(s)).toBe(2);
  });
});

describe('a 401 from a redirect target that never saw the token (issue 9 defect 4)', () => {
  async function setup() {
    const storage = await server({ 'GET /blob': () => ({ status: 401, body: 'presigned URL expired' }) });
    let issued = 0;
    const api = await server({
      'POST /token': () => ({ body: tokenBody(`tok-${++issued}`) }),
      'GET /download': () => ({ status: 302, headers: { location: `${storage.url}/blob?sig=abc` } }),
      'GET /me': (req) => ({ body: { auth: req.headers.authorization } }),
    });
    return { storage, api };
  }

  it('tm.fetch keeps the token: no renewal, the 401 returned as is, the next call sends the same token', async () => {
    const { storage, api } = await setup();
    const tm = manager(api);
    const res = await tm.fetch('/download');
    expect(res.status).toBe(401);
    expect(res.url).toBe(`${storage.url}/blob?sig=abc`);
    // The storage host never saw the token: fetch drops Authorization on a cross-origin redirect.
    expect(storage.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
    expect(tokenRequests(api)).toBe(1);
    expect(await (await tm.fetch('/me')).json()).toEqual({ auth: 'Bearer tok-1' });
  });

  it('the interceptor with undici redirects composed around it (each hop through it) keeps the token too', async () => {
    const { storage, api } = await setup();
    const tm = manager(api);
    // compose(a, b) makes b the outer one: the redirect interceptor dispatches each hop through ours.
    const dispatcher = interceptorAgent(tm, interceptors.redirect({ maxRedirections: 2 }));
    const res = await request(`${api.url}/download`, { dispatcher });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    expect(storage.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
    expect(tokenRequests(api)).toBe(1);
  });

  it('the interceptor with undici redirects composed beneath it (it sees only the last hop) keeps the token too', async () => {
    const { storage, api } = await setup();
    const tm = manager(api);
    const agent = new Agent({ keepAliveTimeout: 1000 });
    cleanup.push(() => agent.close());
    const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 2 }), authInterceptor(tm));
    const res = await request(`${api.url}/download`, { dispatcher });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    expect(storage.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
    expect(tokenRequests(api)).toBe(1);
  });
});

describe('what counts as a rejected token (issue 9 defect 12)', () => {
  const cases: Array<[string, RouteAnswer, boolean]> = [
    ['401 without a challenge (ASP.NET, Jim2)', { status: 401 }, true],
    ['401 Bearer error="invalid_token"', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }, true],
    ['400 Bearer error="invalid_token"', { status: 400, headers: { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' } }, true],
    [
      '403 insufficient_scope whose description mentions invalid_token',
      { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", error_description="not an invalid_token problem"' } },
      false,
    ],
    ['403 with a realm named invalid_token', { status: 403, headers: { 'www-authenticate': 'Bearer realm="invalid_token"' } }, false],
    ['401 Basic from a proxy in front of the API', { status: 401, headers: { 'www-authenticate': 'Basic realm="corporate proxy"' } }, false],
  ];

  it.each(cases)('tm.fetch: %s → renew: %s', async (_name, answer, renews) => {
    let calls = 0;
    const s = await server({
      'POST /token': () => ({ body: tokenBody(`tok-${tokenRequests(s) + 1}`) }),
      'GET /api': () => (++calls === 1 ? answer : { status: 200 }),
    });
    const tm = manager(s);
    await tm.fetch('/api');
    expect(tokenRequests(s)).toBe(renews ? 2 : 1);
  });

  it.each(cases)('interceptor: %s → renew: %s', async (_name, answer, renews) => {
    let calls = 0;
    const s = await server({
      'POST /token': () => ({ body: tokenBody(`tok-${tokenRequests(s) + 1}`) }),
      'GET /api': () => (++calls === 1 ? answer : { status: 200 }),
    });
    const tm = manager(s);
    const res = await request(`${s.url}/api`, { dispatcher: interceptorAgent(tm) });
    await res.body.dump();
    expect(tokenRequests(s)).toBe(renews ? 2 : 1);
  });
});

describe('aborts on the interceptor path reject with the signal reason, as tm.fetch does (issue 9 defect 13)', () => {
  it('aborted during the first acquisition', async () => {
    const gate = deferred<void>();
    const s = await server({
      'POST /token': async () => {
        await gate.promise;
        return { body: tokenBody('late') };
      },
      'GET /api': () => ({ status: 200 }),
    });
    cleanup.push(async () => gate.resolve());
    const tm = manager(s);
    const controller = new AbortController();
    const pending = request(`${s.url}/api`, { dispatcher: interceptorAgent(tm), signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 30));
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });

  it('aborted while the replay waits for a renewal', async () => {
    const gate = deferred<void>();
    let issued = 0;
    const s = await server({
      'POST /token': async () => {
        if (++issued > 1) await gate.promise;
        return { body: tokenBody(`tok-${issued}`) };
      },
      'GET /api': () => ({ status: 401 }),
    });
    cleanup.push(async () => gate.resolve());
    const tm = manager(s);
    await tm.getToken();
    const controller = new AbortController();
    const pending = request(`${s.url}/api`, { dispatcher: interceptorAgent(tm), signal: controller.signal }).catch((e: unknown) => e);
    // The 401 came back and the replay is waiting for the renewal, which hangs.
    for (let i = 0; i < 100 && issued < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(issued).toBe(2);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    // Promptly, with the caller's reason, not after the renewal ends.
    expect(await pending).toBe(reason);
  });
});

describe('a custom isAuthFailure that throws', () => {
  it('rejects tm.fetch with a typed error and does not leave the response unread (socket held)', async () => {
    // A 4 MB rejection: more than socket buffers hold, so the server's write only completes if the
    // client reads or drops the body. A leaked response keeps it pending (and the socket busy).
    let written = deferred<'finished' | 'closed'>();
    const http = await import('node:http');
    const srv = http.createServer((req, res) => {
      if (req.url === '/token') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tokenBody('tok-1')));
        return;
      }
      res.on('finish', () => written.resolve('finished'));
      res.on('close', () => written.resolve('closed'));
      res.writeHead(401, { 'content-type': 'text/plain' }).end('x'.repeat(4 * 1024 * 1024));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanup.push(
      () =>
        new Promise((r) => {
          srv.closeAllConnections();
          srv.close(r);
        }),
    );
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    const tm = new TokenManager({
      tokenUrl: `${url}/token`,
      clientId: 'svc',
      clientSecret: 's3cret',
      clientAuth: 'basic',
      retry: false,
      baseUrl: url,
      isAuthFailure: () => {
        throw new Error('predicate bug');
      },
    });
    const err = await tm.fetch('/api').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_TOKENWARD_CALLBACK', message: expect.stringContaining('isAuthFailure') });
    const outcome = await Promise.race([written.promise, new Promise((r) => setTimeout(() => r('still pending'), 3_000))]);
    expect(outcome).not.toBe('still pending');
    written = deferred();
  });

  it('a streamed body is not replayed; its 401 comes back (sanity)', async () => {
    const s = await server({ 'POST /token': () => ({ body: tokenBody('tok-1') }), 'POST /api': () => ({ status: 401 }) });
    const tm = manager(s);
    const res = await request(`${s.url}/api`, { method: 'POST', body: Readable.from(['a', 'b']), dispatcher: interceptorAgent(tm) });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
  });
});

describe('an API that rejects every token, with bodies that cannot be replayed', () => {
  it('tm.fetch: stream bodies cost one renewal per cool-down too, not one per call', async () => {
    let issued = 0;
    const s = await server({ 'POST /token': () => ({ body: tokenBody(`tok-${++issued}`) }), 'POST /api': () => ({ status: 401 }) });
    const tm = manager(s);
    for (let i = 0; i < 10; i++) {
      const body = new ReadableStream({
        start: (c) => {
          c.enqueue(new TextEncoder().encode('x'));
          c.close();
        },
      });
      const res = await tm.fetch('/api', { method: 'POST', body, duplex: 'half' } as RequestInit);
      expect(res.status).toBe(401);
    }
    // The first token, and one renewal after the first rejection; its rejection starts the cool-down.
    expect(tokenRequests(s)).toBe(2);
  });

  it('the interceptor: the same with streamed bodies', async () => {
    let issued = 0;
    const s = await server({ 'POST /token': () => ({ body: tokenBody(`tok-${++issued}`) }), 'POST /api': () => ({ status: 401 }) });
    const tm = manager(s);
    const dispatcher = interceptorAgent(tm);
    for (let i = 0; i < 10; i++) {
      const res = await request(`${s.url}/api`, { method: 'POST', body: Readable.from(['x']), dispatcher });
      await res.body.dump();
      expect(res.statusCode).toBe(401);
    }
    expect(tokenRequests(s)).toBe(2);
  });

  it('a token rejected once (a restarted server) still renews at once the next time, after a success', async () => {
    let issued = 0;
    const live = new Set<string>();
    const s = await server({
      'POST /token': () => {
        live.add(`tok-${++issued}`);
        return { body: tokenBody(`tok-${issued}`) };
      },
      'POST /api': (req) => ({ status: live.has(req.headers.authorization?.slice(7) ?? '') ? 200 : 401 }),
    });
    const tm = manager(s);
    const post = () => tm.fetch('/api', { method: 'POST', body: new ReadableStream({ start: (c) => c.close() }), duplex: 'half' } as RequestInit);
    expect((await post()).status).toBe(200);
    live.clear();
    expect((await post()).status).toBe(401); // not replayable: the 401 comes back, the token is dropped
    expect((await post()).status).toBe(200); // the renewed token works
    expect(tokenRequests(s)).toBe(2);
  });
});
