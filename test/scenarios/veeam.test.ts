/**
 * Veeam Recovery Orchestrator end to end through `veeamRecoveryOrchestrator()`, against
 * test/servers/veeam.ts (the page's sample answers, replayed verbatim), plus one real TLS server with a
 * self-signed certificate to show the `ca` option working with certificate checks on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode, TokenManager } from '../../src/index.js';
import { veeamRecoveryOrchestrator } from '../../src/profiles/index.js';
import { useMsw, viaMsw } from '../helpers/msw.js';
import { formFields } from '../servers/common.js';
import { VEEAM_BASE, VEEAM_CLIENT_ID, VEEAM_CLIENT_SECRET, VEEAM_PASSWORD, VEEAM_SAMPLE_REFRESH_TOKEN, VEEAM_USERNAME, veeamServer } from '../servers/veeam.js';

const msw = useMsw();
const host = new URL(VEEAM_BASE).hostname;

describe('veeamRecoveryOrchestrator() against VRO', () => {
  it('password grant as DOMAIN\\user, API call, refresh on expiry, DELETE /api/token on logoff', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const server = veeamServer();
    msw.use(...server.handlers);
    // The admin gave just the host: https and port 9898 are VRO's defaults.
    const tm = new TokenManager(veeamRecoveryOrchestrator({ baseUrl: host, username: VEEAM_USERNAME, password: VEEAM_PASSWORD }, viaMsw));

    const res = await tm.fetch('/api/v7.2/Clients');
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveLength(5);
    const first = server.tokenRequests()[0]!;
    expect(first.url).toBe('https://uwin2012r2.n.local:9898/api/token');
    expect(first.body).toBe('grant_type=password&username=vdro%5Cadministrator&password=Password1');
    const token = await tm.getToken();
    expect(token.tokenType).toBe('Bearer'); // the page sends "bearer"
    expect(token.expiresAt - token.receivedAt).toBe(899_000);

    vi.advanceTimersByTime(850_000); // inside the 60 s margin of the 899 s token
    expect((await tm.fetch('/api/v7.2/Clients')).status).toBe(200);
    const refresh = server.tokenRequests()[1]!;
    // The page's refresh token holds '+' and '=': it must arrive form-encoded.
    expect(refresh.body).toBe(`grant_type=refresh_token&refresh_token=${encodeURIComponent(token.refreshToken!).replace(/%20/g, '+')}`);
    expect(formFields(refresh).refresh_token).toBe(token.refreshToken);

    const current = await tm.getToken();
    await tm.logoff();
    const logoff = server.requests.at(-1)!;
    expect(`${logoff.method} ${logoff.url}`).toBe('DELETE https://uwin2012r2.n.local:9898/api/token');
    expect(logoff.headers.authorization).toBe(`Bearer ${current.accessToken}`);
    expect(server.tokens.status(current.accessToken, 'access')).toBe('revoked');
    expect(server.tokens.status(current.refreshToken, 'refresh')).toBe('revoked');
  });

  it('client account: the sample answer with its trailing comma, and the sample refresh request byte for byte', async () => {
    const server = veeamServer();
    msw.use(...server.handlers);
    const tm = new TokenManager(veeamRecoveryOrchestrator({ baseUrl: VEEAM_BASE, clientId: VEEAM_CLIENT_ID, clientSecret: VEEAM_CLIENT_SECRET }, viaMsw));
    const token = await tm.getToken();
    expect(token.refreshToken).toBe(VEEAM_SAMPLE_REFRESH_TOKEN);
    expect(server.tokenRequests()[0]!.body).toBe(
      `grant_type=client_credentials&client_id=${VEEAM_CLIENT_ID}&client_secret=${new URLSearchParams({ s: VEEAM_CLIENT_SECRET }).toString().slice(2)}`,
    );
    await tm.getToken({ forceRefresh: true });
    // Exactly the page's refresh request: no client credentials, even for a client account.
    expect(server.tokenRequests()[1]!.body).toBe('grant_type=refresh_token&refresh_token=aUCl0dAA9FNg1FR3f1ShgzoznDTZIxGKjrtSzIabtoo%3D');
    expect((await tm.getToken()).accessToken).toMatch(/^YSEoaL6H9EEy/);
  });

  it('a second login under the same account ends the first session: the next call re-acquires once', async () => {
    const server = veeamServer({ answers: 'generated', singleSession: true });
    msw.use(...server.handlers);
    const opts = veeamRecoveryOrchestrator({ baseUrl: VEEAM_BASE, username: VEEAM_USERNAME, password: VEEAM_PASSWORD }, viaMsw);
    const ours = new TokenManager(opts);
    await ours.getToken();
    await new TokenManager(opts).getToken(); // someone else logs in as the same user
    const before = server.requests.length;
    const res = await ours.fetch('/api/v7.2/Clients');
    expect(res.status).toBe(200);
    expect(
      server.requests.slice(before).map((r) => `${r.method} ${new URL(r.url).pathname} ${r.method === 'POST' ? formFields(r).grant_type : ''}`.trim()),
    ).toEqual(['GET /api/v7.2/Clients', 'POST /api/token refresh_token', 'GET /api/v7.2/Clients']);
  });

  it('logoff after the server already expired the session is still a clean logoff: the 401 is checked with the refresh token, never a new login', async () => {
    const server = veeamServer({ answers: 'generated' });
    msw.use(...server.handlers);
    const tm = new TokenManager(veeamRecoveryOrchestrator({ baseUrl: VEEAM_BASE, username: VEEAM_USERNAME, password: VEEAM_PASSWORD }, viaMsw));
    await tm.getToken();
    const before = server.requests.length;
    server.tokens.expireAll();
    await expect(tm.logoff()).resolves.toBeUndefined();
    // DELETE with the dead access token (401), then one refresh to reach a session that may outlive it
    // (refused: the session is gone). No password grant: that would open a new session.
    const after = server.requests.slice(before);
    expect(after.map((r) => r.method)).toEqual(['DELETE', 'POST']);
    expect(new URLSearchParams(after[1]!.body).get('grant_type')).toBe('refresh_token');
  });
});

describe('veeamRecoveryOrchestrator() over real TLS with a self-signed certificate', () => {
  let dir: string;
  let server: https.Server;
  let base: string;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenward-vro-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=vro.test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      if (req.method === 'POST' && req.url === '/api/token') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{ "access_token": "tls-at", "token_type": "bearer", "expires_in": 899, "refresh_token": "cnQ+Lz0=", }');
      } else if (req.method === 'DELETE' && req.url === '/api/token') res.writeHead(204).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('with `ca` the token comes over TLS and logoff reaches the server', async () => {
    const tm = new TokenManager(veeamRecoveryOrchestrator({ baseUrl: base, username: VEEAM_USERNAME, password: VEEAM_PASSWORD, ca: cert }, { retry: false }));
    expect((await tm.getToken()).accessToken).toBe('tls-at');
    await expect(tm.logoff()).resolves.toBeUndefined();
  });

  it('without it the certificate is refused: TLS checks are on', async () => {
    const tm = new TokenManager(veeamRecoveryOrchestrator({ baseUrl: base, username: VEEAM_USERNAME, password: VEEAM_PASSWORD }, { retry: false }));
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.NETWORK });
  });
});
