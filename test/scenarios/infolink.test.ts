/**
 * InfoLink end to end through `infolink()`, against test/servers/infolink.ts: an expired token answered
 * with the `{"result":{"code":"invalid_grant"},"status":"error"}` envelope on HTTP 200 is recognised,
 * refreshed and replayed; logoff is local.
 */
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { TokenManager } from '../../src/index.js';
import { infolink } from '../../src/profiles/index.js';
import { useMsw, viaMsw } from '../helpers/msw.js';
import { formFields } from '../servers/common.js';
import { INFOLINK_BASE, INFOLINK_CLIENT_ID, INFOLINK_CLIENT_SECRET, INFOLINK_PASSWORD, INFOLINK_USERNAME, infolinkServer } from '../servers/infolink.js';

const msw = useMsw();
const job = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobName: 'LoadData' }) };

describe('infolink() against InfoLink', () => {
  it('acquire, API call, refresh on expiry (no client credentials, as documented), local logoff', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const server = infolinkServer();
    msw.use(...server.handlers);
    const tm = new TokenManager(infolink({ baseUrl: INFOLINK_BASE, clientId: INFOLINK_CLIENT_ID, clientSecret: INFOLINK_CLIENT_SECRET }, viaMsw));

    const res = await tm.fetch('api/v1/executeJob', job);
    expect(await res.json()).toEqual({ result: { jobId: 42, output: 'LoadData finished' }, status: 'success' });
    expect(server.tokenRequests()[0]!.body).toBe(`grant_type=client_credentials&client_id=${INFOLINK_CLIENT_ID}&client_secret=${INFOLINK_CLIENT_SECRET}`);
    const first = await tm.getToken();

    vi.advanceTimersByTime(1_790_000);
    expect(((await (await tm.fetch('api/v1/executeJob', job)).json()) as { status: string }).status).toBe('success');
    expect(server.tokenRequests()[1]!.body).toBe(`grant_type=refresh_token&refresh_token=${first.refreshToken}`);

    const count = server.requests.length;
    await tm.logoff();
    expect(server.requests.length).toBe(count); // no logoff endpoint: nothing sent
    await tm.getToken();
    expect(formFields(server.tokenRequests().at(-1)!).grant_type).toBe('client_credentials');
  });

  it.each([200, 401])('an expired token answered with the error envelope on HTTP %i is refreshed and the call replayed', async (status) => {
    const server = infolinkServer({ expiredTokenStatus: status });
    msw.use(...server.handlers);
    const tm = new TokenManager(infolink({ baseUrl: INFOLINK_BASE, clientId: INFOLINK_CLIENT_ID, clientSecret: INFOLINK_CLIENT_SECRET }, viaMsw));
    await tm.getToken();
    server.tokens.expireAll('access'); // the server's clock says the token is done; ours does not yet
    const res = await tm.fetch('api/v1/executeJob', job);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('success');
    expect(server.requests.map((r) => `${new URL(r.url).pathname} ${formFields(r).grant_type ?? ''}`.trim())).toEqual([
      '/api/v1/oauth2/token client_credentials',
      '/api/v1/executeJob',
      '/api/v1/oauth2/token refresh_token',
      '/api/v1/executeJob',
    ]);
    // The replay sent the same JSON body.
    expect(server.requests.at(-1)!.body).toBe(job.body);
  });

  it('password grant sends the client credentials too; an expired refresh token falls back to the password grant', async () => {
    const server = infolinkServer();
    msw.use(...server.handlers);
    const tm = new TokenManager(
      infolink(
        {
          baseUrl: INFOLINK_BASE,
          clientId: INFOLINK_CLIENT_ID,
          clientSecret: INFOLINK_CLIENT_SECRET,
          username: INFOLINK_USERNAME,
          password: INFOLINK_PASSWORD,
        },
        viaMsw,
      ),
    );
    await tm.getToken();
    expect(formFields(server.tokenRequests()[0]!)).toEqual({
      grant_type: 'password',
      username: INFOLINK_USERNAME,
      password: INFOLINK_PASSWORD,
      client_id: INFOLINK_CLIENT_ID,
      client_secret: INFOLINK_CLIENT_SECRET,
    });
    server.tokens.expireAll();
    expect((await tm.fetch('api/v1/executeJob', job)).status).toBe(200);
    expect(server.tokenRequests().map((r) => formFields(r).grant_type)).toEqual(['password', 'refresh_token', 'password']);
  });

  it('a data answer that streams without end reaches the caller: tm.fetch does not wait for the whole body', { timeout: 10_000 }, async () => {
    const server = infolinkServer();
    const enc = new TextEncoder();
    msw.use(
      ...server.handlers,
      // Chunked (no content-length), and it never closes: a long export, or a server that stalls mid-body.
      http.get(`${INFOLINK_BASE}/api/v1/export`, () => {
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(enc.encode('{"result":{"rows":['));
            c.enqueue(enc.encode('{"id":1},'));
          },
        });
        return new HttpResponse(stream, { status: 200, headers: { 'content-type': 'application/json' } });
      }),
    );
    const tm = new TokenManager(infolink({ baseUrl: INFOLINK_BASE, clientId: INFOLINK_CLIENT_ID, clientSecret: INFOLINK_CLIENT_SECRET }, viaMsw));
    const res = await tm.fetch('api/v1/export');
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"result":{"rows":[');
    // Not awaited: under msw's interceptor cancel() never settles.
    void reader.cancel().catch(() => {});
  });
});
