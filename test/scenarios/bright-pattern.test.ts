/**
 * Bright Pattern end to end through `brightPattern()`, against test/servers/bright-pattern.ts: the
 * tenant host as scope, the string `expires_in` with a trailing comma, renewal by a new grant (no
 * refresh token), local logoff.
 */
import { describe, expect, it, vi } from 'vitest';
import { TokenManager } from '../../src/index.js';
import { brightPattern } from '../../src/profiles/index.js';
import { useMsw, viaMsw } from '../helpers/msw.js';
import {
  BRIGHT_PATTERN_BASE,
  BRIGHT_PATTERN_CLIENT_SECRET,
  BRIGHT_PATTERN_SAMPLE_TOKEN,
  BRIGHT_PATTERN_SCOPE,
  brightPatternServer,
} from '../servers/bright-pattern.js';
import { formFields } from '../servers/common.js';

const msw = useMsw();

describe('brightPattern() against Bright Pattern', () => {
  it('acquire with the tenant host as scope, API call, a new grant on expiry, local logoff', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const server = brightPatternServer();
    msw.use(...server.handlers);
    expect(new URL(BRIGHT_PATTERN_BASE).hostname).toBe(BRIGHT_PATTERN_SCOPE);
    const tm = new TokenManager(
      brightPattern({ tenantHost: BRIGHT_PATTERN_SCOPE, clientId: 'sheila.thomas', clientSecret: BRIGHT_PATTERN_CLIENT_SECRET }, viaMsw),
    );

    const res = await tm.fetch('/data');
    expect(res.status).toBe(200);
    expect(server.tokenRequests()[0]!.body).toBe(
      `grant_type=client_credentials&scope=example.com&client_id=sheila.thomas&client_secret=${BRIGHT_PATTERN_CLIENT_SECRET}`,
    );
    const first = await tm.getToken();
    expect(first.accessToken).toBe(BRIGHT_PATTERN_SAMPLE_TOKEN);
    expect(first.expiresAt - first.receivedAt).toBe(3_599_000); // "3599", a string
    expect(first.refreshToken).toBeUndefined();

    vi.advanceTimersByTime(3_550_000);
    expect((await tm.fetch('/data')).status).toBe(200);
    expect(server.tokenRequests().map((r) => formFields(r).grant_type)).toEqual(['client_credentials', 'client_credentials']);
    expect((await tm.getToken()).accessToken).not.toBe(first.accessToken);

    const count = server.requests.length;
    await tm.logoff();
    expect(server.requests.length).toBe(count);
  });

  it('a 401 on the API is recovered with one new grant', async () => {
    const server = brightPatternServer();
    msw.use(...server.handlers);
    const tm = new TokenManager(brightPattern({ tenantHost: BRIGHT_PATTERN_SCOPE, clientId: 'clientid', clientSecret: BRIGHT_PATTERN_CLIENT_SECRET }, viaMsw));
    await tm.getToken();
    server.tokens.revokeAll();
    expect((await tm.fetch('/data')).status).toBe(200);
    expect(server.tokenRequests()).toHaveLength(2);
  });

  it('a tenant host with dots and dashes stays one scope value', async () => {
    const tenant = 'contact-center.acme.example';
    const server = brightPatternServer({ base: `https://${tenant}`, tenant });
    msw.use(...server.handlers);
    const tm = new TokenManager(brightPattern({ tenantHost: tenant, clientId: 'clientid', clientSecret: BRIGHT_PATTERN_CLIENT_SECRET }, viaMsw));
    await tm.getToken();
    expect(formFields(server.tokenRequests()[0]!).scope).toBe(tenant);
  });
});
