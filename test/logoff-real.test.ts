/**
 * `tm.logoff()` over real loopback sockets through the default undici transport, for each style.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TokenManager, type TokenManagerOptions, TokenwardError } from '../src/index.js';
import { type RecordedRequest, type RouteAnswer, startServer, type TestServer, tokenBody } from './helpers/http-server.js';

let server: TestServer;
afterEach(async () => server?.close());

/** Overrides the logoff endpoints' answer; `undefined` means release the token. */
let logoffAnswer: RouteAnswer | undefined;
afterEach(() => {
  logoffAnswer = undefined;
});

/** One server with all three styles' endpoints; `live` holds the tokens whose session is open. */
async function start(tokenDelayMs = 0) {
  let issued = 0;
  const live = new Set<string>();
  const token = () => {
    const n = ++issued;
    live.add(`tok-${n}`).add(`rt-${n}`);
    return { delayMs: tokenDelayMs, body: tokenBody(`tok-${n}`, { refresh_token: `rt-${n}`, token_type: 'bearer', expires_in: 899 }) };
  };
  const bearerLogoff =
    (status: number) =>
    (req: RecordedRequest): RouteAnswer => {
      if (logoffAnswer) return logoffAnswer;
      const t = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      return live.delete(t) ? { status } : { status: 401 };
    };
  server = await startServer({
    'POST /api/token': token,
    'DELETE /api/token': bearerLogoff(204),
    'POST /Jim_Test/token': token,
    'POST /Jim_Test/api/v1/logoff': bearerLogoff(200),
    'POST /oauth/token': token,
    'POST /oauth/revoke': (req) => {
      if (logoffAnswer) return logoffAnswer;
      live.delete(new URLSearchParams(req.body).get('token') ?? '');
      return { status: 200 };
    },
  });
  return {
    live,
    tokenRequests: () =>
      [...server.requestsTo('/api/token'), ...server.requestsTo('/Jim_Test/token'), ...server.requestsTo('/oauth/token')].filter((r) => r.method === 'POST'),
  };
}

interface Style {
  name: string;
  options: (url: string) => TokenManagerOptions;
  /** Requests that released the session: [method, path, bearer or revoked token]. */
  released: () => Array<[string, string, string]>;
}

const styles: Style[] = [
  {
    name: 'bearer: Veeam DELETE /api/token',
    options: (url) => ({
      tokenUrl: `${url}/api/token`,
      username: 'vdro\\administrator',
      password: 'pw',
      clientId: 'vro',
      clientAuth: 'none',
      logoff: { style: 'bearer' },
    }),
    released: () =>
      server
        .requestsTo('/api/token')
        .filter((r) => r.method === 'DELETE')
        .map((r) => [r.method, r.path, r.headers.authorization ?? '']),
  },
  {
    name: "bearer: Jim2's vendor logoff page",
    options: (url) => ({
      tokenUrl: `${url}/Jim_Test/token`,
      baseUrl: `${url}/Jim_Test`,
      clientId: 'TestClientId',
      clientSecret: 'password',
      logoff: { style: 'bearer', url: 'api/v1/logoff', method: 'POST' },
    }),
    released: () => server.requestsTo('/Jim_Test/api/v1/logoff').map((r) => [r.method, r.path, r.headers.authorization ?? '']),
  },
  {
    name: 'revoke: RFC 7009',
    options: (url) => ({ tokenUrl: `${url}/oauth/token`, clientId: 'svc', clientSecret: 's3cret', logoff: { style: 'revoke', url: `${url}/oauth/revoke` } }),
    released: () => server.requestsTo('/oauth/revoke').map((r) => [r.method, r.path, new URLSearchParams(r.body).get('token') ?? '']),
  },
];

const expectedFor = (style: Style, n: number): Array<[string, string, string]> => {
  if (style.name.startsWith('revoke'))
    return [
      ['POST', '/oauth/revoke', `rt-${n}`],
      ['POST', '/oauth/revoke', `tok-${n}`],
    ];
  if (style.name.includes('Jim2')) return [['POST', '/Jim_Test/api/v1/logoff', `Bearer tok-${n}`]];
  return [['DELETE', '/api/token', `Bearer tok-${n}`]];
};

describe.each(styles)('logoff over real sockets, $name', (style) => {
  it('releases the session at the server', async () => {
    const { live } = await start();
    const tm = new TokenManager({ ...style.options(server.url), retry: false });
    await tm.getToken();
    await tm.logoff();
    expect(style.released()).toEqual(expectedFor(style, 1));
    expect([...live].filter((t) => t.startsWith('tok-'))).toEqual([]);
  });

  it('waits for an in-flight refresh and releases the new token', async () => {
    await start(40);
    const tm = new TokenManager({ ...style.options(server.url), retry: false });
    await tm.getToken();
    const refreshing = tm.getToken({ forceRefresh: true });
    await tm.logoff();
    await refreshing;
    expect(style.released()).toEqual(expectedFor(style, 2));
  });

  it('sends nothing on a second logoff', async () => {
    await start();
    const tm = new TokenManager({ ...style.options(server.url), retry: false });
    await tm.getToken();
    await tm.logoff();
    await tm.logoff();
    expect(style.released()).toEqual(expectedFor(style, 1));
  });

  it('clears local state and throws ERR_TOKENWARD_LOGOFF when the connection fails; the next getToken acquires afresh', async () => {
    const { tokenRequests } = await start();
    const tm = new TokenManager({ ...style.options(server.url), retry: false });
    await tm.getToken();
    logoffAnswer = { destroy: true };
    const err = await tm.logoff().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenwardError);
    expect((err as TokenwardError).code).toBe(ErrorCode.LOGOFF);
    expect((err as TokenwardError).message).not.toMatch(/tok-1|rt-1/);
    expect(tm.peekToken()).toBeUndefined();
    logoffAnswer = undefined;
    expect((await tm.getToken()).accessToken).toBe('tok-2');
    expect(new URLSearchParams(tokenRequests().at(-1)!.body).get('grant_type')).not.toBe('refresh_token');
  });

  it('throws ERR_TOKENWARD_LOGOFF when the server is gone altogether', async () => {
    await start();
    const tm = new TokenManager({ ...style.options(server.url), retry: false });
    await tm.getToken();
    await server.close();
    await expect(tm.logoff()).rejects.toMatchObject({ code: ErrorCode.LOGOFF, message: expect.stringMatching(/ECONNREFUSED/) });
    expect(tm.peekToken()).toBeUndefined();
  });

  const gone: RouteAnswer[] = [{ status: 404 }, { status: 400, body: { error: 'invalid_token' } }];
  if (!style.name.startsWith('revoke')) gone.push({ status: 401 });
  it(`treats ${gone.map((g) => g.status).join(', ')} invalid_token as already logged off`, async () => {
    await start();
    for (const answer of gone) {
      const tm = new TokenManager({ ...style.options(server.url), retry: false });
      await tm.getToken();
      logoffAnswer = answer;
      await expect(tm.logoff()).resolves.toBeUndefined();
    }
  });

  it('logs off at the end of an `await using` scope', async () => {
    await start();
    {
      await using tm = new TokenManager({ ...style.options(server.url), retry: false });
      await tm.getToken();
    }
    expect(style.released()).toEqual(expectedFor(style, 1));
  });
});
