/**
 * `tm.fetch` over real loopback sockets through the default undici transport: replay of each body kind,
 * single renewal under concurrency, redirects to another origin, and the `dispatcher` option.
 */
import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenManager, type TokenManagerOptions } from '../src/index.js';
import { type RecordedRequest, startServer, type TestServer, tokenBody } from './helpers/http-server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A token endpoint issuing tok-1, tok-2, ... and an API at `/api/*` that rejects the tokens in `rejected`. */
async function apiServer(rejected: Set<string>) {
  let issued = 0;
  const api = (req: RecordedRequest) => {
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    return rejected.has(token) ? { status: 401, body: 'expired' } : { body: { ok: true } };
  };
  const server = await startServer({
    'POST /token': () => ({ delayMs: 20, body: tokenBody(`tok-${++issued}`) }),
    'GET /api/item': api,
    'PUT /api/upload': api,
  });
  servers.push(server);
  return server;
}

function manager(server: TestServer, extra: Partial<TokenManagerOptions> = {}): TokenManager {
  return new TokenManager({
    tokenUrl: `${server.url}/token`,
    clientId: 'svc',
    clientSecret: 's3cret',
    clientAuth: 'basic',
    baseUrl: server.url,
    retry: false,
    ...extra,
  });
}

/** A recorded body in comparable form: multipart boundaries differ between sends, so compare fields. */
async function comparable(req: RecordedRequest): Promise<string> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data')) return req.body;
  const form = await new Response(req.body, { headers: { 'content-type': type } }).formData();
  const out: string[] = [];
  for (const [k, v] of form) out.push(`${k}=${typeof v === 'string' ? v : `${v.name}:${await v.text()}`}`);
  return out.join('&');
}

describe('tm.fetch over real sockets', () => {
  const kinds: Array<[string, () => unknown, string]> = [
    ['string', () => 'plain text', 'plain text'],
    ['Buffer', () => Buffer.from('buffer'), 'buffer'],
    ['Uint8Array', () => new TextEncoder().encode('u8'), 'u8'],
    ['ArrayBuffer', () => new TextEncoder().encode('ab').buffer, 'ab'],
    ['URLSearchParams', () => new URLSearchParams({ a: '1', b: 'x y' }), 'a=1&b=x+y'],
    ['Blob', () => new Blob(['blob']), 'blob'],
    [
      'FormData',
      () => {
        const f = new FormData();
        f.append('k', 'v');
        f.append('file', new File(['content'], 'f.txt'));
        return f;
      },
      'k=v&file=f.txt:content',
    ],
  ];
  for (const [kind, make, expected] of kinds) {
    it(`replays a ${kind} body with the new token`, async () => {
      const rejected = new Set(['tok-1']);
      const server = await apiServer(rejected);
      const tm = manager(server);
      await tm.getToken();
      const res = await tm.fetch('/api/upload', { method: 'PUT', body: make() as RequestInit['body'] });
      expect(res.status).toBe(200);
      const sent = server.requestsTo('/api/upload');
      expect(sent.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
      expect(await comparable(sent[0]!)).toBe(expected);
      expect(await comparable(sent[1]!)).toBe(expected);
    });
  }

  it('returns the 401 of a streamed body without replaying it', async () => {
    const server = await apiServer(new Set(['tok-1']));
    const tm = manager(server);
    await tm.getToken();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('chunk'));
        c.close();
      },
    });
    const res = await tm.fetch('/api/upload', { method: 'PUT', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('expired');
    expect(server.requestsTo('/api/upload').map((r) => r.body)).toEqual(['chunk']);
  });

  it('renews once for 50 concurrent 401s on the same stale token', async () => {
    const server = await apiServer(new Set(['tok-1']));
    const tm = manager(server);
    await tm.getToken();
    const statuses = await Promise.all(Array.from({ length: 50 }, () => tm.fetch('/api/item').then(async (r) => (await r.arrayBuffer(), r.status))));
    expect(statuses).toEqual(Array(50).fill(200));
    expect(server.requestsTo('/token')).toHaveLength(2);
    expect(server.requestsTo('/api/item').filter((r) => r.headers.authorization === 'Bearer tok-2')).toHaveLength(50);
  });

  it('follows a redirect to another origin without the Authorization header, keeping other headers', async () => {
    const other = await startServer({ 'GET /landing': () => ({ body: 'landed' }) });
    servers.push(other);
    const server = await apiServer(new Set());
    server.route('GET /api/moved', () => ({ status: 302, headers: { location: `${other.url}/landing` } }));
    server.route('GET /api/same', () => ({ status: 307, headers: { location: '/api/item' } }));
    const tm = manager(server);
    const res = await tm.fetch('/api/moved', { headers: { 'x-keep': 'yes' } });
    expect(await res.text()).toBe('landed');
    const [landing] = other.requestsTo('/landing');
    expect(landing!.headers.authorization).toBeUndefined();
    expect(landing!.headers['x-keep']).toBe('yes');
    expect(server.requestsTo('/api/moved')[0]!.headers.authorization).toBe('Bearer tok-1');
    // A same-origin redirect keeps it.
    await (await tm.fetch('/api/same')).arrayBuffer();
    expect(server.requestsTo('/api/item').at(-1)!.headers.authorization).toBe('Bearer tok-1');
  });

  it('keeps caller headers given as a global Headers, pairs or a record, replacing only Authorization', async () => {
    const server = await apiServer(new Set());
    const tm = manager(server);
    const shapes: RequestInit['headers'][] = [
      new Headers({ Authorization: 'Basic x', 'x-shape': 'headers' }),
      [
        ['authorization', 'Basic x'],
        ['x-shape', 'pairs'],
      ],
      { AUTHORIZATION: 'Basic x', 'x-shape': 'record' },
    ];
    for (const headers of shapes) await (await tm.fetch('/api/item', { headers })).arrayBuffer();
    expect(server.requestsTo('/api/item').map((r) => [r.headers.authorization, r.headers['x-shape']])).toEqual([
      ['Bearer tok-1', 'headers'],
      ['Bearer tok-1', 'pairs'],
      ['Bearer tok-1', 'record'],
    ]);
  });

  it("sends a global Request's method, headers and body through undici's fetch", async () => {
    const server = await apiServer(new Set());
    const tm = manager(server);
    const res = await tm.fetch(
      new Request(`${server.url}/api/upload`, { method: 'PUT', headers: { 'x-req': '1', authorization: 'Basic no' }, body: 'payload' }),
    );
    expect(res.status).toBe(200);
    const [sent] = server.requestsTo('/api/upload');
    expect(sent).toMatchObject({ method: 'PUT', body: 'payload' });
    expect(sent!.headers).toMatchObject({ 'x-req': '1', authorization: 'Bearer tok-1' });
  });

  it('sends token and API requests through the given dispatcher', async () => {
    const server = await apiServer(new Set());
    const origins: string[] = [];
    const counting: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
      origins.push(`${opts.method} ${opts.path}`);
      return dispatch(opts, handler);
    };
    const agent = new Agent({ keepAliveTimeout: 1000 });
    const tm = manager(server, { dispatcher: agent.compose(counting) });
    await (await tm.fetch('/api/item')).arrayBuffer();
    expect(origins).toEqual(['POST /token', 'GET /api/item']);
    await agent.close();
  });
});
