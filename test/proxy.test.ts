/**
 * Corporate proxies against a real forward proxy (the `proxy` package) started here, which records
 * everything that passes through it: plain http targets are forwarded (the proxy sees the request),
 * https targets are tunnelled (the proxy sees only CONNECT, never the token, while the client
 * certificate reaches the target through the tunnel), NO_PROXY bypasses it, proxy credentials stay
 * secret, and a proxy refusing the tunnel is a typed error. Also: a TLS server refusing the client
 * certificate in the handshake.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { rootCertificates } from 'node:tls';
import { inspect } from 'node:util';
import { createProxy, type ProxyServer } from 'proxy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TlsCredentials } from '../src/credentials.js';
import { ConfigError, ErrorCode, TokenManager, type TokenManagerOptions, TokenwardError } from '../src/index.js';
import { makePki } from './helpers/certs.js';
import { startServer, type TestServer, tokenBody } from './helpers/http-server.js';

const ACCESS_TOKEN = 'at-proxy-test-0123456789';

interface Seen {
  kind: 'request' | 'connect';
  target: string;
  headers: http.IncomingHttpHeaders;
}

let pki: ReturnType<typeof makePki>;
let proxy: ProxyServer;
let proxyUrl: string;
const seen: Seen[] = [];
/** Every byte the proxy relayed through CONNECT tunnels. */
let tunnelled = Buffer.alloc(0);
let plain: TestServer;
let secure: https.Server;
let secureUrl: string;
/** Client certificate subjects the https target saw. */
const subjects: Array<string | undefined> = [];

beforeAll(async () => {
  pki = makePki();
  proxy = createProxy(http.createServer());
  proxy.prependListener('request', (req: http.IncomingMessage) => void seen.push({ kind: 'request', target: req.url ?? '', headers: req.headers }));
  proxy.prependListener('connect', (req: http.IncomingMessage, socket: Socket) => {
    seen.push({ kind: 'connect', target: req.url ?? '', headers: req.headers });
    socket.on('data', (chunk: Buffer) => void (tunnelled = Buffer.concat([tunnelled, chunk])));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  plain = await startServer({
    'POST /token': () => ({ body: tokenBody(ACCESS_TOKEN) }),
    'GET /api': (req) => ({ body: { authorized: req.headers.authorization === `Bearer ${ACCESS_TOKEN}` } }),
  });
  secure = https.createServer({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    subjects.push(peer?.subject?.CN as string | undefined);
    req.resume();
    req.on('end', () => {
      const body = req.url === '/token' ? tokenBody(ACCESS_TOKEN) : { authorized: req.headers.authorization === `Bearer ${ACCESS_TOKEN}` };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
  secureUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
});

afterEach(() => {
  seen.length = 0;
  subjects.length = 0;
  tunnelled = Buffer.alloc(0);
  proxy.authenticate = undefined;
});

afterAll(async () => {
  await plain?.close();
  for (const s of [proxy, secure]) {
    s?.closeAllConnections();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
});

/** Runs `fn` with these environment variables set, restoring them after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const names = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}

const secureOptions = (extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  tokenUrl: `${secureUrl}/token`,
  clientId: 'svc',
  clientSecret: 'proxy-test-secret',
  tls: { ...pki.client, ca: pki.ca.cert },
  retry: false,
  ...extra,
});

describe('an explicit proxy', () => {
  it('https target: only CONNECT reaches the proxy; the token and client secret never do; the client certificate reaches the target', async () => {
    const tm = new TokenManager(secureOptions({ proxy: proxyUrl }));
    const res = await tm.fetch(`${secureUrl}/api`);
    expect(await res.json()).toEqual({ authorized: true });
    // One tunnel or more (undici may open a second connection); never anything but CONNECT.
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s).toMatchObject({ kind: 'connect', target: new URL(secureUrl).host });
    expect(seen.some((s) => s.headers.authorization !== undefined)).toBe(false);
    expect(subjects).toEqual(['svc-mtls', 'svc-mtls']);
    expect(tunnelled.length).toBeGreaterThan(0);
    expect(tunnelled.includes(ACCESS_TOKEN)).toBe(false);
    expect(tunnelled.includes('proxy-test-secret')).toBe(false);
  });

  it('plain http target: the request is forwarded through the proxy, which sees it', async () => {
    const tm = new TokenManager({ tokenUrl: `${plain.url}/token`, clientId: 'svc', clientSecret: 's', proxy: proxyUrl, retry: false });
    const res = await tm.fetch(`${plain.url}/api`);
    expect(await res.json()).toEqual({ authorized: true });
    expect(seen.map((s) => [s.kind, s.target])).toEqual([
      ['request', `${plain.url}/token`],
      ['request', `${plain.url}/api`],
    ]);
  });

  it('discovery, token, tm.fetch and logoff all go through it', async () => {
    plain.route('GET /.well-known/openid-configuration', () => ({
      body: { issuer: plain.url, token_endpoint: `${plain.url}/token`, revocation_endpoint: `${plain.url}/revoke` },
    }));
    plain.route('POST /revoke', () => ({ status: 200 }));
    const tm = new TokenManager({ issuer: plain.url, clientId: 'svc', clientSecret: 's', proxy: proxyUrl, retry: false, logoff: { style: 'revoke' } });
    await tm.fetch(`${plain.url}/api`);
    await tm.logoff();
    expect(seen.map((s) => `${s.kind} ${new URL(s.target).pathname}`)).toEqual([
      'request /.well-known/openid-configuration',
      'request /token',
      'request /api',
      'request /revoke',
    ]);
  });

  it('proxy credentials in the URL authenticate at the proxy and never appear in errors or inspect output', async () => {
    proxy.authenticate = (req) => req.headers['proxy-authorization'] === `Basic ${Buffer.from('corp-user:Pr0xy-Pa55').toString('base64')}`;
    const good = new TokenManager(secureOptions({ proxy: proxyUrl.replace('//', '//corp-user:Pr0xy-Pa55@') }));
    await expect(good.getToken()).resolves.toMatchObject({ accessToken: ACCESS_TOKEN });
    expect(inspect(good, { depth: 10, showHidden: true })).not.toContain('Pr0xy-Pa55');

    const bad = new TokenManager(secureOptions({ proxy: proxyUrl.replace('//', '//corp-user:Wr0ng-Pa55@') }));
    const err = (await bad.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err).toBeInstanceOf(TokenwardError);
    expect(err.code).toBe(ErrorCode.PROXY);
    expect(err.message).toMatch(/the proxy refused the CONNECT tunnel with 407 \(Proxy Authentication Required/);
    const text = `${err.message} ${JSON.stringify(err)} ${inspect(err, { depth: 10 })}`;
    expect(text).not.toContain('Wr0ng-Pa55');
    expect(text).not.toContain(Buffer.from('corp-user:Wr0ng-Pa55').toString('base64'));
  });

  it('a proxy refusing the CONNECT is a typed error, not retried', async () => {
    proxy.authenticate = () => false;
    const tm = new TokenManager(secureOptions({ proxy: proxyUrl, retry: { retries: 3, minTimeout: 0, maxTimeout: 0 } }));
    await expect(tm.getToken()).rejects.toMatchObject({ code: ErrorCode.PROXY });
    expect(seen.filter((s) => s.kind === 'connect')).toHaveLength(1);
  });

  it('proxy: false ignores the environment', async () => {
    await withEnv({ HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl }, async () => {
      const tm = new TokenManager(secureOptions({ proxy: false }));
      await tm.getToken();
    });
    expect(seen).toEqual([]);
  });
});

describe('the proxy from the environment (either case)', () => {
  it('HTTPS_PROXY: token requests and tm.fetch are tunnelled', async () => {
    await withEnv({ HTTPS_PROXY: proxyUrl }, async () => {
      const tm = new TokenManager(secureOptions());
      expect((await tm.fetch(`${secureUrl}/api`)).status).toBe(200);
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.kind === 'connect')).toBe(true);
    expect(tunnelled.includes(ACCESS_TOKEN)).toBe(false);
  });

  it('http_proxy (lower case) for a plain http target', async () => {
    await withEnv({ http_proxy: proxyUrl }, async () => {
      await new TokenManager({ tokenUrl: `${plain.url}/token`, clientId: 'svc', clientSecret: 's', retry: false }).getToken();
    });
    expect(seen.map((s) => s.kind)).toEqual(['request']);
  });

  it('NO_PROXY bypasses it', async () => {
    await withEnv({ HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' }, async () => {
      await new TokenManager(secureOptions()).getToken();
      await new TokenManager({ tokenUrl: `${plain.url}/token`, clientId: 'svc', clientSecret: 's', retry: false }).getToken();
    });
    expect(seen).toEqual([]);
    expect(subjects).toEqual(['svc-mtls']);
  });
});

/** A PEM certificate block around `body`, which is no certificate. */
const pemOf = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

describe("a private CA alone (tls: { ca }): trusted by tokenward's own transport, proxies still apply", () => {
  const caOnly = (extra: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
    tokenUrl: `${secureUrl}/token`,
    clientId: 'svc',
    clientSecret: 'proxy-test-secret',
    tls: { ca: pki.ca.cert },
    retry: false,
    ...extra,
  });

  it('HTTPS_PROXY: the token request and tm.fetch are tunnelled to a server whose certificate the private CA issued; no client certificate is sent', async () => {
    let tm: TokenManager | undefined;
    await withEnv({ HTTPS_PROXY: proxyUrl }, async () => {
      tm = new TokenManager(caOnly());
      expect(await (await tm.fetch(`${secureUrl}/api`)).json()).toEqual({ authorized: true });
    });
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s).toMatchObject({ kind: 'connect', target: new URL(secureUrl).host });
    expect(subjects).toEqual([undefined, undefined]);
    // A CA is not a client certificate: the client still authenticates with its secret.
    expect(tm!.clientAuth).toBe('basic');
  });

  it("without the CA, the server's certificate is refused: checks stay on", async () => {
    const tm = new TokenManager(caOnly({ tls: undefined as never, proxy: proxyUrl }));
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err).toBeInstanceOf(TokenwardError);
    expect(err.code).toBe(ErrorCode.NETWORK);
  });

  it.each([
    [{ cert: 'x' }, /option `tls.key` is missing: a client certificate needs both `tls.cert` and `tls.key`/],
    [{ key: 'x', ca: Buffer.from('y') }, /option `tls.cert` is missing/],
    [{}, /option `tls` must give a client certificate \(`cert` and `key`\), a `ca`, or both/],
    [{ ca: pemOf('y'), passphrase: 'pass-s3cret' }, /option `tls.passphrase` is for `tls.key`, which is not set/],
    [{ ca: [] }, /option `tls.ca` must not be empty/],
    [{ ca: 'not a certificate' }, /option `tls.ca` must be a PEM certificate/],
    [{ ca: pemOf('truncated') }, /option `tls.ca` could not be read as PEM \(or DER\) certificates/],
  ])('tls: %j is a ConfigError', (tls, message) => {
    let err: unknown;
    try {
      new TokenManager({ tokenUrl: 'https://h/token', clientId: 'c', clientSecret: 's', tls: tls as never });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('pass-s3cret');
  });

  it("the private CA is trusted in addition to Node's bundled roots (as NODE_EXTRA_CA_CERTS), not instead of them", () => {
    const ca = new TlsCredentials({ ca: pki.ca.cert }, Date.now()).connectOptions().ca as string[];
    expect(ca).toHaveLength(rootCertificates.length + 1);
    expect(ca).toEqual(expect.arrayContaining([...rootCertificates]));
  });

  it('a CA alone does not stand in for a client secret, nor make tls_client_auth possible', () => {
    expect(() => new TokenManager({ tokenUrl: 'https://h/token', clientId: 'c', clientSecret: undefined, tls: { ca: pki.ca.cert } })).toThrow(/clientSecret/);
    expect(() => new TokenManager({ tokenUrl: 'https://h/token', clientId: 'c', clientAuth: 'tls_client_auth', tls: { ca: pki.ca.cert } })).toThrow(
      /needs `tls.cert` and `tls.key`/,
    );
  });
});

describe('configuration', () => {
  it.each([
    [{ proxy: 'http://proxy:3128', fetch: globalThis.fetch }, /options `fetch` and `proxy` cannot be used together/],
    [{ proxy: 'http://proxy:3128', dispatcher: { dispatch: () => true } }, /options `dispatcher` and `proxy` cannot be used together/],
    [{ proxy: 'socks://u:secret-pw@proxy:1080' }, /option `proxy` must be an http\(s\) proxy URL or false, got "socks:\/\/\[user info\]@proxy:1080"/],
    // A password holding '/' (unencoded): the URL does not parse, and the message still hides it.
    [{ proxy: 'http://bob:secret-pw/x@proxy:3128' }, /option `proxy` must be an http\(s\) proxy URL or false, got "http:\/\/\[user info\]@proxy:3128"/],
  ])('%j', (options, message) => {
    let err: unknown;
    try {
      new TokenManager({ tokenUrl: 'https://h/token', ...(options as Partial<TokenManagerOptions>) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('secret-pw');
  });
});

describe('a TLS server that refuses the client certificate in the handshake (OpenSSL s_server)', () => {
  // openssl s_server sends the TLS alert real servers send (Node's own https server just hangs up).
  let server: ChildProcess;
  let strictUrl: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenward-s-server-'));
    for (const [name, pem] of Object.entries({ 'ca.crt': pki.ca.cert, 'server.crt': pki.server.cert, 'server.key': pki.server.key }))
      writeFileSync(join(dir, name), pem);
    const port = await freePort();
    server = spawn(
      'openssl',
      [
        's_server',
        '-accept',
        `127.0.0.1:${port}`,
        '-cert',
        'server.crt',
        '-key',
        'server.key',
        '-CAfile',
        'ca.crt',
        '-Verify',
        '1',
        '-verify_return_error',
        '-www',
        '-quiet',
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    await waitForPort(port);
    strictUrl = `https://127.0.0.1:${port}/token`;
  });
  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a self-signed certificate is refused: ERR_TOKENWARD_CLIENT_AUTH naming the tls option, not retried, no key material', async () => {
    const tm = new TokenManager({
      tokenUrl: strictUrl,
      clientId: 'svc-mtls',
      tls: { ...pki.selfSigned, ca: pki.ca.cert },
      retry: { retries: 2, minTimeout: 0, maxTimeout: 0 },
    });
    const retries: unknown[] = [];
    tm.on('retry', (e) => retries.push(e));
    const err = (await tm.getToken().catch((e: unknown) => e)) as TokenwardError;
    expect(err.code).toBe(ErrorCode.CLIENT_AUTH);
    expect(err.message).toMatch(/the server refused the TLS client certificate \(option `tls`\): ERR_SSL_TLSV1_ALERT_UNKNOWN_CA/);
    expect(retries).toEqual([]);
    expect(`${JSON.stringify(err)} ${inspect(err, { depth: 10 })}`).not.toContain(pki.selfSigned.key.split('\n')[1]!);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`openssl s_server did not listen on ${port}`);
}
