/**
 * The default transport (src/default-fetch.ts), over real sockets: a process's first requests go through
 * Node's built-in fetch and the undici package stays unloaded; after HANDOFF_AFTER of them undici's fetch
 * takes over, with the same results. The tests run in order: the hand-off is once per process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDOFF_AFTER } from '../src/default-fetch.js';
import { TokenManager } from '../src/index.js';
import { loadedUndici, loadUndici } from '../src/undici-module.js';
import { startServer, type TestServer, tokenBody } from './helpers/http-server.js';

let server: TestServer;
let tm: TokenManager;

beforeAll(async () => {
  server = await startServer({
    'POST /token': () => ({ body: tokenBody('default-transport-token') }),
    'GET /api': (req) => ({ status: req.headers.authorization === 'Bearer default-transport-token' ? 200 : 401, body: 'ok' }),
    'POST /upload': (req) => ({
      body: `${req.headers['content-type']?.split(';')[0]} ${req.body.includes('name="k"') && req.body.includes('\r\n\r\nv\r\n') ? 'k=v' : req.body}`,
    }),
  });
  tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'svc', clientSecret: 's3cret', baseUrl: server.url, retry: false });
});
afterAll(() => server.close());

describe('the default transport', () => {
  it("sends a process's first requests with Node's fetch, without loading undici", async () => {
    const res = await tm.fetch('/api');
    expect(res.status).toBe(200);
    // Node's own Response class: the answer came from Node's fetch.
    expect(res).toBeInstanceOf(Response);
    await res.text();
    expect(server.requestsTo('/token')).toHaveLength(1);
    expect(loadedUndici()).toBeUndefined();
  });

  it("never hands an init's dispatcher (undici's) to Node's fetch", async () => {
    let dispatched = 0;
    const dispatcher = {
      dispatch: () => {
        dispatched++;
        throw new Error('an undici Agent reached the wrong copy of undici');
      },
    };
    const res = await tm.fetch('/api', { dispatcher } as unknown as RequestInit);
    expect(res.status).toBe(200);
    await res.text();
    expect(dispatched).toBe(0);
  });

  it('sends the undici package\'s FormData as multipart through Node\'s fetch, not as "[object FormData]"', async () => {
    const { FormData: UndiciFormData } = await import('undici');
    const form = new UndiciFormData();
    form.append('k', 'v');
    const res = await tm.fetch('/upload', { method: 'POST', body: form as unknown as FormData });
    expect(await res.text()).toBe('multipart/form-data k=v');
  });

  it(`hands over to undici's fetch after ${HANDOFF_AFTER} requests, which then serves every request`, async () => {
    const sent = server.requestsTo('/api').length + server.requestsTo('/upload').length + server.requestsTo('/token').length;
    for (let i = sent; i < HANDOFF_AFTER; i++) await (await tm.fetch('/api')).text();
    // The load started with the last request through Node's fetch; every request after it uses undici.
    const undici = await loadUndici();
    const res = await tm.fetch('/api');
    expect(res.status).toBe(200);
    expect(res).toBeInstanceOf(undici.Response);
    expect(res).not.toBeInstanceOf(Response);
    await res.text();
    // Still one token: the transport changed, nothing else did.
    expect(server.requestsTo('/token')).toHaveLength(1);
    // The global FormData reaches undici's fetch as multipart too.
    const form = new FormData();
    form.append('k', 'v');
    expect(await (await tm.fetch('/upload', { method: 'POST', body: form })).text()).toBe('multipart/form-data k=v');
  });
});
