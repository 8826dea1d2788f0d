/**
 * Jim2Server end to end through the `jim2()` profile, against test/servers/jim2.ts:
 * acquire → API call → refresh → logoff releasing the licence; scope view; no licence free.
 */
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, TokenManager, TokenwardError } from '../../src/index.js';
import { jim2 } from '../../src/profiles/index.js';
import { useMsw, viaMsw } from '../helpers/msw.js';
import { formFields } from '../servers/common.js';
import { JIM2_BASE, JIM2_CLIENT_ID, JIM2_CLIENT_SECRET, jim2Server } from '../servers/jim2.js';

const msw = useMsw();

function start(licences = 1) {
  const server = jim2Server({ licences });
  msw.use(...server.handlers);
  return server;
}

describe('jim2() against Jim2Server', () => {
  it('acquires under the site path, calls the API, refreshes the session, and logoff gives the licence back', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const server = start(1);
    const tm = new TokenManager(jim2({ baseUrl: `${JIM2_BASE}/`, clientId: JIM2_CLIENT_ID, clientSecret: JIM2_CLIENT_SECRET }, viaMsw));

    const res = await tm.fetch('api/v1/cardfilecreate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"Name":"Acme"}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ CardFileNo: 1001, Success: true });
    expect(server.freeLicences()).toBe(0);
    const [grant] = server.tokenRequests();
    expect(grant!.url).toBe('http://localhost/Jim_Test/token');
    expect(grant!.body).toBe(`grant_type=client_credentials&client_id=${JIM2_CLIENT_ID}&client_secret=${JIM2_CLIENT_SECRET}`);

    // 19 minutes on, the 1199-second token is inside the refresh margin: the next call refreshes.
    vi.advanceTimersByTime(1_150_000);
    expect((await tm.fetch('/api/v1/cardfilecreate', { method: 'POST', body: '{}' })).status).toBe(200);
    expect(server.tokenRequests().map((r) => formFields(r).grant_type)).toEqual(['client_credentials', 'refresh_token']);
    // Same licensed session, extended: still one seat taken.
    expect(server.freeLicences()).toBe(0);

    await tm.logoff();
    const logoff = server.requests.at(-1)!;
    expect(`${logoff.method} ${logoff.url}`).toBe('POST http://localhost/Jim_Test/api/v1/logoff');
    expect(logoff.headers.authorization).toMatch(/^Bearer jim2-at-/);
    expect(server.freeLicences()).toBe(1);
  });

  it('scope view takes no licence, so it works when every licence is in use', async () => {
    const server = start(0);
    const tm = new TokenManager(jim2({ baseUrl: JIM2_BASE, clientId: JIM2_CLIENT_ID, clientSecret: JIM2_CLIENT_SECRET, scope: 'view' }, viaMsw));
    const token = await tm.getToken();
    expect(token.tokenType).toBe('Bearer');
    expect(formFields(server.tokenRequests()[0]!).scope).toBe('view');
  });

  it('"no licence free" is ERR_TOKENWARD_NO_LICENCE and is not retried, even with retries on', async () => {
    const server = start(0);
    const tm = new TokenManager(
      jim2({ baseUrl: JIM2_BASE, clientId: JIM2_CLIENT_ID, clientSecret: JIM2_CLIENT_SECRET }, { fetch: viaMsw.fetch!, retry: { retries: 3, minTimeout: 1 } }),
    );
    const err = await tm.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenwardError);
    expect((err as TokenwardError).code).toBe(ErrorCode.NO_LICENCE);
    expect(server.tokenRequests()).toHaveLength(1);
  });

  it('a second process can take the seat once the first logs off', async () => {
    const server = start(1);
    const opts = jim2({ baseUrl: JIM2_BASE, clientId: JIM2_CLIENT_ID, clientSecret: JIM2_CLIENT_SECRET }, viaMsw);
    const a = new TokenManager(opts);
    const b = new TokenManager(opts);
    await a.getToken();
    await expect(b.getToken()).rejects.toMatchObject({ code: ErrorCode.NO_LICENCE });
    await a.logoff();
    await expect(b.getToken()).resolves.toMatchObject({ tokenType: 'Bearer' });
    expect(server.freeLicences()).toBe(0);
  });

  it('a corrected logoff page is used as configured', async () => {
    const server = jim2Server({ logoff: { path: 'api/v1/logout', method: 'DELETE' } });
    msw.use(...server.handlers);
    const tm = new TokenManager(
      jim2({ baseUrl: JIM2_BASE, clientId: JIM2_CLIENT_ID, clientSecret: JIM2_CLIENT_SECRET, logoff: { path: 'api/v1/logout', method: 'DELETE' } }, viaMsw),
    );
    await tm.getToken();
    await tm.logoff();
    expect(server.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['POST /Jim_Test/token', 'DELETE /Jim_Test/api/v1/logout']);
    expect(server.freeLicences()).toBe(1);
  });
});
