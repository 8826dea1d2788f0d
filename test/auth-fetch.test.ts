/**
 * `tm.fetch` through msw (global fetch injected with the `fetch` option): headers, `baseUrl`, origin
 * checks, and the one replay with a fresh token when the API rejects the old one.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, TokenManager, type TokenManagerOptions, TokenwardError } from '../src/index.js';

const AUTH = 'https://auth.example.com';
const API = 'https://api.example.com';

interface Seen {
  auth: string | null;
  method: string;
  contentType: string | null;
  /** The body as text; for multipart, the form fields as JSON (boundaries differ between sends). */
  body: string;
}

let issued = 0;
let tokenRequests = 0;
let seen: Seen[] = [];
/** Tokens the API rejects. */
let rejected = new Set<string>();

async function record(request: Request): Promise<Seen> {
  const contentType = request.headers.get('content-type');
  let body: string;
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await request.formData();
    const fields: Array<[string, string]> = [];
    for (const [k, v] of form) fields.push([k, typeof v === 'string' ? v : `file:${v.name}:${await v.text()}`]);
    body = JSON.stringify(fields);
  } else body = await request.text();
  const entry = { auth: request.headers.get('authorization'), method: request.method, contentType, body };
  seen.push(entry);
  return entry;
}

const server = setupServer(
  http.post(`${AUTH}/token`, async () => {
    tokenRequests++;
    // A little latency so 50 concurrent failures really overlap the renewal.
    await new Promise((r) => setTimeout(r, 20));
    return HttpResponse.json({ access_token: `tok-${++issued}`, token_type: 'bearer', expires_in: 3600 });
  }),
  http.all(`${API}/*`, async ({ request }) => {
    const entry = await record(request);
    const token = entry.auth?.replace(/^Bearer /, '') ?? '';
    if (rejected.has(token)) return new HttpResponse('expired', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    return HttpResponse.json({ ok: true, token });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  issued = 0;
  tokenRequests = 0;
  seen = [];
  rejected = new Set();
});
afterAll(() => server.close());

function manager(extra: Partial<TokenManagerOptions> = {}): TokenManager {
  return new TokenManager({
    tokenUrl: `${AUTH}/token`,
    clientId: 'svc',
    clientSecret: 's3cret',
    clientAuth: 'basic',
    baseUrl: API,
    retry: false,
    fetch: (input, init) => globalThis.fetch(input, init),
    ...extra,
  });
}

describe('tm.fetch: request shape', () => {
  it('sends the token, keeps every caller header but Authorization, and resolves paths against baseUrl', async () => {
    const tm = manager();
    const res = await tm.fetch('/v1/things?x=1', {
      method: 'POST',
      headers: { 'X-Trace': 'abc', Authorization: 'Basic caller-value', 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ auth: 'Bearer tok-1', method: 'POST', contentType: 'text/plain', body: 'hello' });
    // Headers given as a Headers object and as pairs work the same.
    await tm.fetch(`${API}/v1/a`, { headers: new Headers({ authorization: 'x', 'x-a': '1' }) });
    await tm.fetch(`${API}/v1/b`, {
      headers: [
        ['AUTHORIZATION', 'x'],
        ['x-b', '2'],
      ],
    });
    expect(seen.slice(1).map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(tokenRequests).toBe(1);
  });

  it('keeps the site path of a Jim2-style baseUrl, with or without a leading slash', async () => {
    const urls: string[] = [];
    server.use(http.get('http://jim2.local/*', ({ request }) => (urls.push(request.url), HttpResponse.json({}))));
    const tm = manager({ baseUrl: 'http://jim2.local/Jim_Test/' });
    await tm.fetch('/api/v1/cardfile?id=7');
    await tm.fetch('api/v1/cardfile');
    expect(urls).toEqual(['http://jim2.local/Jim_Test/api/v1/cardfile?id=7', 'http://jim2.local/Jim_Test/api/v1/cardfile']);
  });

  it('accepts a Request as input, keeping its method and headers', async () => {
    const tm = manager();
    const res = await tm.fetch(new Request(`${API}/v1/req`, { method: 'DELETE', headers: { 'x-req': 'yes', authorization: 'Bearer caller' } }));
    expect(res.status).toBe(200);
    expect(seen[0]).toMatchObject({ method: 'DELETE', auth: 'Bearer tok-1' });
  });
});

describe('tm.fetch: allowed origins', () => {
  it('refuses another origin with ERR_TOKENWARD_ORIGIN_NOT_ALLOWED, before any token request', async () => {
    const tm = manager();
    const err = await tm.fetch('https://evil.example.net/steal').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenwardError);
    expect((err as TokenwardError).code).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);
    expect((err as TokenwardError).message).toContain('https://evil.example.net');
    // Look-alikes that share a prefix are other origins too.
    for (const url of [`${API}.evil.net/x`, `${API}:8443/x`, `http://api.example.com/x`, `${API}@evil.net/x`]) {
      await expect(tm.fetch(url)).rejects.toMatchObject({ code: ErrorCode.ORIGIN_NOT_ALLOWED });
    }
    await expect(tm.fetch(new URL('https://evil.example.net/'))).rejects.toMatchObject({ code: ErrorCode.ORIGIN_NOT_ALLOWED });
    await expect(tm.fetch(new Request('https://evil.example.net/'))).rejects.toMatchObject({ code: ErrorCode.ORIGIN_NOT_ALLOWED });
    expect(tokenRequests).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('allows the tokenUrl origin when there is no baseUrl, and what allowedOrigins adds', async () => {
    server.use(http.get('https://files.example.com/*', ({ request }) => HttpResponse.json({ auth: request.headers.get('authorization') })));
    const tm = manager({ baseUrl: undefined, allowedOrigins: ['https://files.example.com'] });
    const res = await tm.fetch('https://files.example.com/f/1');
    expect(await res.json()).toEqual({ auth: 'Bearer tok-1' });
    await expect(tm.fetch(`${API}/x`)).rejects.toMatchObject({ code: ErrorCode.ORIGIN_NOT_ALLOWED });
    await expect(tm.fetch('/relative')).rejects.toMatchObject({ code: ErrorCode.CONFIG });
  });
});

describe('tm.fetch: replay after the API rejects the token', () => {
  const file = () => new File(['file-bytes'], 'a.txt', { type: 'text/plain' });
  const kinds: Array<[string, () => RequestInit['body'], string]> = [
    ['string', () => '{"a":1}', '{"a":1}'],
    ['Buffer', () => Buffer.from('buffer-body'), 'buffer-body'],
    ['Uint8Array', () => new TextEncoder().encode('bytes-body'), 'bytes-body'],
    ['ArrayBuffer', () => new TextEncoder().encode('array-buffer').buffer as ArrayBuffer, 'array-buffer'],
    ['URLSearchParams', () => new URLSearchParams({ q: 'a b', r: '1' }), 'q=a+b&r=1'],
    ['Blob', () => new Blob(['blob-body'], { type: 'application/octet-stream' }), 'blob-body'],
    [
      'FormData',
      () => {
        const form = new FormData();
        form.append('field', 'value');
        form.append('upload', file());
        return form;
      },
      JSON.stringify([
        ['field', 'value'],
        ['upload', 'file:a.txt:file-bytes'],
      ]),
    ],
  ];

  for (const [kind, makeBody, expected] of kinds) {
    it(`replays a ${kind} body once with the new token`, async () => {
      const tm = manager();
      await tm.getToken();
      rejected.add('tok-1');
      const replays: unknown[] = [];
      tm.on('auth-replay', (e) => replays.push(e));
      const res = await tm.fetch('/v1/upload', { method: 'PUT', body: makeBody() });
      expect(res.status).toBe(200);
      expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
      expect(seen[0]!.body).toBe(expected);
      expect(seen[1]!.body).toBe(expected);
      // Same media type both times; a multipart boundary may differ between the two serialisations.
      const mediaType = (contentType: string | null) => contentType?.split(';')[0] ?? null;
      expect(mediaType(seen[1]!.contentType)).toBe(mediaType(seen[0]!.contentType));
      expect(replays).toEqual([{ status: 401, url: `${API}/v1/upload`, challenge: 'Bearer error="invalid_token"' }]);
      expect(tokenRequests).toBe(2);
    });
  }

  it('returns a rejected streamed request as is, without replaying, and drops the rejected token', async () => {
    const tm = manager();
    await tm.getToken();
    rejected.add('tok-1');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('streamed'));
        c.close();
      },
    });
    const res = await tm.fetch('/v1/upload', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('expired');
    expect(seen.map((s) => [s.auth, s.body])).toEqual([['Bearer tok-1', 'streamed']]);
    // The rejected token is not sent again.
    await tm.fetch('/v1/next');
    expect(seen[1]!.auth).toBe('Bearer tok-2');
  });

  it('does not replay a Request object with a body (its body is a stream)', async () => {
    const tm = manager();
    await tm.getToken();
    rejected.add('tok-1');
    const res = await tm.fetch(new Request(`${API}/v1/req`, { method: 'POST', body: 'once' }));
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(1);
  });

  it('replays a body-less Request object', async () => {
    const tm = manager();
    await tm.getToken();
    rejected.add('tok-1');
    const res = await tm.fetch(new Request(`${API}/v1/req`, { headers: { 'x-keep': '1' } }));
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('renews once for 50 concurrent rejections of the same stale token', async () => {
    const tm = manager();
    await tm.getToken();
    rejected.add('tok-1');
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => tm.fetch(`/v1/item/${i}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(tokenRequests).toBe(2); // the first grant and exactly one renewal
    expect(seen.filter((s) => s.auth === 'Bearer tok-2')).toHaveLength(50);
    expect(seen.filter((s) => s.auth === 'Bearer tok-1')).toHaveLength(50);
  });

  it('returns the second rejection as is: one replay, no loop', async () => {
    const tm = manager();
    await tm.getToken();
    rejected = new Set(['tok-1', 'tok-2', 'tok-3']);
    const res = await tm.fetch('/v1/x');
    expect(res.status).toBe(401);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(tokenRequests).toBe(2);
  });

  it('leaves a 403 without an invalid_token challenge alone by default', async () => {
    server.use(http.get(`${API}/v1/forbidden`, () => new HttpResponse('no', { status: 403 })));
    const tm = manager();
    const res = await tm.fetch('/v1/forbidden');
    expect(res.status).toBe(403);
    expect(tokenRequests).toBe(1);
  });

  it("recognises InfoLink's HTTP 200 invalid_grant envelope with a body-reading isAuthFailure", async () => {
    // InfoLink answers an expired token with its normal envelope, possibly with HTTP 200.
    server.use(
      http.post(`${API}/api/v1/executeJob`, async ({ request }) => {
        const entry = await record(request);
        if (entry.auth === 'Bearer tok-1') {
          return HttpResponse.json({ result: { code: 'invalid_grant', message: 'Credentials or token is invalid or expired' }, status: 'error' });
        }
        return HttpResponse.json({ result: { jobId: 42 }, status: 'success' });
      }),
    );
    const tm = manager({
      isAuthFailure: async (response) => {
        if (response.status === 401) return true;
        if (!response.headers.get('content-type')?.includes('json')) return false;
        const body = (await response.clone().json()) as { status?: string; result?: { code?: string } };
        return body.status === 'error' && body.result?.code === 'invalid_grant';
      },
    });
    const res = await tm.fetch('/api/v1/executeJob', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"job":"x"}' });
    // The caller still reads the body the predicate looked at.
    expect(await res.json()).toEqual({ result: { jobId: 42 }, status: 'success' });
    expect(seen.map((s) => [s.auth, s.body])).toEqual([
      ['Bearer tok-1', '{"job":"x"}'],
      ['Bearer tok-2', '{"job":"x"}'],
    ]);
  });
});
