/**
 * The default undici transport against a real node:http token server on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TokenManager, TokenwardError } from '../src/index.js';
import { startServer, type TestServer, tokenBody } from './helpers/http-server.js';

let server: TestServer;
afterEach(async () => server?.close());

describe('real sockets through undici', () => {
  it('acquires with Basic credentials at a token URL with a site path, caches, and sends the bearer token', async () => {
    let issued = 0;
    server = await startServer({
      'POST /Jim_Test/token': () => ({ body: tokenBody(`tok-${++issued}`, { token_type: 'bearer', expires_in: '1200' }) }),
      'GET /Jim_Test/api/v1/whoami': (req) => ({ body: { auth: req.headers.authorization } }),
    });
    const tm = new TokenManager({
      tokenUrl: `${server.url}/Jim_Test/token`,
      clientId: 'TestClientId',
      clientSecret: 'pass:word',
      clientAuth: 'basic',
      scope: 'view',
      baseUrl: `${server.url}/Jim_Test/`,
    });
    const token = await tm.getToken();
    expect(token.accessToken).toBe('tok-1');
    expect(token.tokenType).toBe('Bearer');
    for (let i = 0; i < 5; i++) {
      const res = await tm.fetch('api/v1/whoami');
      expect(await res.json()).toEqual({ auth: 'Bearer tok-1' });
    }
    const [tokenRequest] = server.requestsTo('/Jim_Test/token');
    expect(server.requestsTo('/Jim_Test/token')).toHaveLength(1);
    expect(tokenRequest!.headers.authorization).toBe(`Basic ${Buffer.from('TestClientId:pass%3Aword').toString('base64')}`);
    expect(tokenRequest!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenRequest!.headers.accept).toBe('application/json');
    expect(tokenRequest!.body).toBe('grant_type=client_credentials&scope=view');
  });

  it('body credentials and a JSON body (seed 004 shape): typed JSON on the wire, Keycloak extras kept', async () => {
    server = await startServer({
      'POST /api/v1/auth/token': () => ({
        body: tokenBody('kc-1', {
          token_type: 'bearer',
          expires_in: 300,
          refresh_expires_in: 1800,
          refresh_token: 'rt-1',
          not_before_policy: 0,
          session_state: 's',
          is_editor: true,
        }),
      }),
    });
    const tm = new TokenManager({
      tokenUrl: `${server.url}/api/v1/auth/token`,
      clientId: 'app',
      clientSecret: 's/e+c=r et',
      clientAuth: 'body',
      username: 'DOMAIN\\me',
      password: 'pw',
      bodyFormat: 'json',
      params: { WindowsAuthentication: false },
    });
    const token = await tm.getToken();
    const [req] = server.requests;
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.accept).toBe('application/json');
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.body).toBe(
      '{"grant_type":"password","username":"DOMAIN\\\\me","password":"pw","client_id":"app","client_secret":"s/e+c=r et","WindowsAuthentication":false}',
    );
    expect(token).toMatchObject({ accessToken: 'kc-1', tokenType: 'Bearer', refreshToken: 'rt-1' });
    expect(token.refreshExpiresAt! - token.receivedAt).toBe(1_800_000);
    expect(token.raw).toMatchObject({ not_before_policy: 0, session_state: 's', is_editor: true });
  });

  it('form body with body credentials: every value percent-encoded as sent', async () => {
    server = await startServer({
      'POST /api/token': () => ({
        body: '{ "access_token": "v-1", "token_type": "bearer", "expires_in": 899, "refresh_token": "a+b/c=", }',
        headers: { 'content-type': 'application/json' },
      }),
    });
    const tm = new TokenManager({ tokenUrl: `${server.url}/api/token`, clientId: '58b91a67', clientSecret: 'iGuL5/Rf+1y=', clientAuth: 'body' });
    const token = await tm.getToken();
    expect(server.requests[0]!.body).toBe('grant_type=client_credentials&client_id=58b91a67&client_secret=iGuL5%2FRf%2B1y%3D');
    expect(server.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token).toMatchObject({ accessToken: 'v-1', tokenType: 'Bearer', refreshToken: 'a+b/c=' });
    tm.invalidate();
    await tm.getToken();
    expect(server.requests[1]!.body).toBe('grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3D&client_id=58b91a67&client_secret=iGuL5%2FRf%2B1y%3D');
  });

  it('auto over real sockets: a 401 to Basic, then body credentials', async () => {
    server = await startServer({
      'POST /token': (req) => (req.headers.authorization ? { status: 401, headers: { 'www-authenticate': 'Bearer' } } : { body: tokenBody('body-1') }),
    });
    const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'c', clientSecret: 'secret' });
    await expect(tm.getToken()).resolves.toMatchObject({ accessToken: 'body-1' });
    expect(server.requests.map((r) => r.headers.authorization === undefined)).toEqual([false, true]);
    expect(tm.clientAuth).toBe('body');
  });

  it('reads an XML AccessTokenResponse', async () => {
    const xml =
      '<AccessTokenResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/IO.Swagger.Models"><access_token>xml-1</access_token><expires_in>120</expires_in><is_editor>true</is_editor><refresh_expires_in>0</refresh_expires_in><refresh_token>r</refresh_token><token_type>bearer</token_type></AccessTokenResponse>';
    server = await startServer({ 'POST /api/v1/auth/token': () => ({ body: xml, headers: { 'content-type': 'application/xml; charset=utf-8' } }) });
    const tm = new TokenManager({ tokenUrl: `${server.url}/api/v1/auth/token`, clientId: 'c', clientSecret: 's', clientAuth: 'body', bodyFormat: 'json' });
    const token = await tm.getToken();
    expect(token).toMatchObject({ accessToken: 'xml-1', tokenType: 'Bearer', refreshToken: 'r' });
    expect(token.expiresAt - token.receivedAt).toBe(120_000);
    expect(token.refreshExpiresAt).toBeUndefined();
    expect(token.raw.is_editor).toBe(true);
  });

  it('retries a 503 and gets the token on the second try', async () => {
    let n = 0;
    server = await startServer({
      'POST /token': () =>
        ++n === 1
          ? { status: 503, body: '<html><body>Service Unavailable</body></html>', headers: { 'content-type': 'text/html' } }
          : { body: tokenBody('after-503') },
    });
    const retries: number[] = [];
    const tm = new TokenManager({
      tokenUrl: `${server.url}/token`,
      clientId: 'c',
      clientSecret: 's',
      clientAuth: 'basic',
      retry: { retries: 2, minTimeout: 10, maxTimeout: 20 },
    });
    tm.on('retry', (e) => retries.push(e.error.status!));
    await expect(tm.getToken()).resolves.toMatchObject({ accessToken: 'after-503' });
    expect(server.requests).toHaveLength(2);
    expect(retries).toEqual([503]);
  });

  it('honours 429 Retry-After: 1 and then succeeds', async () => {
    let n = 0;
    server = await startServer({
      'POST /token': () =>
        ++n === 1
          ? { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"error":"slow_down"}' }
          : { body: tokenBody('after-429') },
    });
    const retries: Array<number | undefined> = [];
    const tm = new TokenManager({
      tokenUrl: `${server.url}/token`,
      clientId: 'c',
      clientSecret: 's',
      clientAuth: 'basic',
      retry: { retries: 1, minTimeout: 1, maxTimeout: 1 },
    });
    tm.on('retry', (e) => retries.push(e.error.retryAfter));
    await expect(tm.getToken()).resolves.toMatchObject({ accessToken: 'after-429' });
    expect(server.requests).toHaveLength(2);
    expect(retries).toEqual([1]);
  });

  it('a 429 whose Retry-After is longer than the retry budget fails at once with the wait in the error', async () => {
    server = await startServer({ 'POST /token': () => ({ status: 429, headers: { 'retry-after': '30' } }) });
    const tm = new TokenManager({
      tokenUrl: `${server.url}/token`,
      clientId: 'c',
      clientSecret: 's',
      clientAuth: 'basic',
      retry: { retries: 3, minTimeout: 1, maxTimeout: 1, maxRetryTime: 2000 },
    });
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.RESPONSE, status: 429, retryAfter: 30 });
    expect(server.requests).toHaveLength(1);
  });

  it('refuses an answer over maxResponseBytes, streamed or declared', async () => {
    server = await startServer({ 'POST /token': () => ({ body: `{"access_token":"${'x'.repeat(4096)}"}`, headers: { 'content-type': 'application/json' } }) });
    const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'c', clientSecret: 's', clientAuth: 'basic', maxResponseBytes: 1024 });
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.RESPONSE_TOO_LARGE, status: 200 });
  });

  it('times out a token endpoint that never answers', async () => {
    server = await startServer({ 'POST /token': () => ({ delayMs: 2000, body: tokenBody('late') }) });
    const tm = new TokenManager({ tokenUrl: `${server.url}/token`, clientId: 'c', clientSecret: 's', clientAuth: 'basic', timeout: 100, retry: false });
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
  });

  it('reports a refused connection as a typed network error without retrying forever', async () => {
    server = await startServer();
    const url = `${server.url}/token`;
    await server.close();
    const tm = new TokenManager({ tokenUrl: url, clientId: 'c', clientSecret: 's3cret-value', retry: { retries: 1, minTimeout: 1, maxTimeout: 1 } });
    const err = await tm.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenwardError);
    expect((err as TokenwardError).code).toBe(ErrorCode.NETWORK);
    expect((err as TokenwardError).message).toMatch(/ECONNREFUSED/);
  });
});
