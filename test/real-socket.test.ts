/**
 * The default undici transport against a real node:http token server on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TokenManager, TokenwardError } from '../src/index.js';
import { startServer, tokenBody, type TestServer } from './helpers/http-server.js';

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
