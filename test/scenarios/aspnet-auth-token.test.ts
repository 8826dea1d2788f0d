/**
 * The ASP.NET `api/v1/auth/token` facade (seed 004) end to end through `aspnetAuthToken()`, against
 * test/servers/aspnet-auth-token.ts: JSON body with a boolean, JSON answers by asking for them,
 * Keycloak extras kept, `refresh_expires_in` honoured, local logoff.
 */
import { describe, expect, it, vi } from 'vitest';
import { type TokenEvent, TokenManager } from '../../src/index.js';
import { aspnetAuthToken } from '../../src/profiles/index.js';
import { useMsw, viaMsw } from '../helpers/msw.js';
import { ASPNET_BASE, ASPNET_SAMPLE_REQUEST, aspnetAuthTokenServer } from '../servers/aspnet-auth-token.js';

const msw = useMsw();
const creds = {
  baseUrl: ASPNET_BASE,
  clientId: ASPNET_SAMPLE_REQUEST.client_id,
  clientSecret: ASPNET_SAMPLE_REQUEST.client_secret,
  username: ASPNET_SAMPLE_REQUEST.username,
  password: ASPNET_SAMPLE_REQUEST.password,
};
const grants = (server: ReturnType<typeof aspnetAuthTokenServer>) =>
  server.tokenRequests().map((r) => (JSON.parse(r.body) as { grant_type: string }).grant_type);

describe('aspnetAuthToken() against the ASP.NET facade', () => {
  it('acquire with a typed JSON body, API call, refresh on expiry, local logoff', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const server = aspnetAuthTokenServer();
    msw.use(...server.handlers);
    const tm = new TokenManager(aspnetAuthToken(creds, viaMsw));

    const res = await tm.fetch('/api/v1/profile');
    expect(await res.json()).toEqual({ user: 'sample string 5', is_editor: true });
    const sent = server.tokenRequests()[0]!;
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.accept).toBe('application/json');
    expect(sent.body).toBe(
      '{"grant_type":"password","username":"sample string 5","password":"sample string 6","client_id":"sample string 2","client_secret":"sample string 3","WindowsAuthentication":false}',
    );
    const first = await tm.getToken();
    expect(first.raw).toMatchObject({
      session_state: expect.any(String),
      not_before_policy: 0,
      ip: '127.0.0.1',
      is_editor: true,
      redirect_url: 'https://app.example.com/',
    });
    expect(first.refreshExpiresAt! - first.receivedAt).toBe(1_800_000);

    vi.advanceTimersByTime(290_000); // the 300 s token is expiring
    expect((await tm.fetch('/api/v1/profile')).status).toBe(200);
    expect(grants(server)).toEqual(['password', 'refresh_token']);
    expect(JSON.parse(server.tokenRequests()[1]!.body)).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: first.refreshToken,
      WindowsAuthentication: false,
    });

    const count = server.requests.length;
    await tm.logoff();
    expect(server.requests.length).toBe(count);
  });

  it('skips a refresh that refresh_expires_in says is doomed, going straight to the grant', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const server = aspnetAuthTokenServer({ expiresIn: 300, refreshExpiresIn: 600 });
    msw.use(...server.handlers);
    const events: TokenEvent[] = [];
    const tm = new TokenManager(aspnetAuthToken(creds, { ...viaMsw, hooks: { onToken: (e) => events.push(e) } }));
    await tm.getToken();
    vi.advanceTimersByTime(601_000);
    expect((await tm.fetch('/api/v1/profile')).status).toBe(200);
    expect(grants(server)).toEqual(['password', 'password']);
    expect(events.map((e) => e.how)).toEqual(['grant', 'grant']);
  });

  it('a 401 ("Authorization has been denied") is recovered once by refreshing', async () => {
    const server = aspnetAuthTokenServer();
    msw.use(...server.handlers);
    const tm = new TokenManager(aspnetAuthToken(creds, viaMsw));
    await tm.getToken();
    server.tokens.revokeAll('access');
    expect((await tm.fetch('/api/v1/profile')).status).toBe(200);
    expect(grants(server)).toEqual(['password', 'refresh_token']);
  });

  it('client_credentials with the service account', async () => {
    const server = aspnetAuthTokenServer();
    msw.use(...server.handlers);
    const tm = new TokenManager(aspnetAuthToken({ baseUrl: ASPNET_BASE, clientId: creds.clientId, clientSecret: creds.clientSecret }, viaMsw));
    expect(await (await tm.fetch('/api/v1/profile')).json()).toMatchObject({ user: 'service-account-sample string 2' });
  });
});
