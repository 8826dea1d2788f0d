/**
 * The profile functions: what each turns an admin's inputs into, and the ConfigErrors it raises.
 * End-to-end behaviour against each system's mock is in test/scenarios/.
 */
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';
import { buildTokenRequest, ConfigError, ErrorCode, OAuthError, TokenManager, type TokenManagerOptions } from '../src/index.js';
import { aspnetAuthToken, brightPattern, infolink, isInfoLinkAuthFailure, isJim2NoLicence, jim2, veeamRecoveryOrchestrator } from '../src/profiles/index.js';
import { makePki } from './helpers/certs.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('jim2()', () => {
  const input = { baseUrl: 'http://jim2.local/Jim_Test', clientId: 'TestClientId', clientSecret: 'pa:ss%word' };

  it('keeps the site path, allows http, sends body credentials, and never refreshes in the background', () => {
    const o = jim2(input);
    expect(o.tokenUrl).toBe('http://jim2.local/Jim_Test/token');
    expect(o.baseUrl).toBe('http://jim2.local/Jim_Test/');
    expect(o).toMatchObject({ clientId: 'TestClientId', clientSecret: 'pa:ss%word', grant: 'client_credentials', clientAuth: 'body', proactive: false });
    expect(o.scope).toBeUndefined();
    expect(o.logoff).toEqual({ style: 'bearer', url: 'http://jim2.local/Jim_Test/api/v1/logoff', method: 'POST' });
    expect(() => new TokenManager(o)).not.toThrow();
  });

  it('sends scope view as given, and takes a corrected logoff page', () => {
    const o = jim2({ ...input, scope: 'view', logoff: { path: 'api/v1/session/logoff', method: 'delete' } });
    expect(o.scope).toBe('view');
    expect(o.logoff).toEqual({ style: 'bearer', url: 'http://jim2.local/Jim_Test/api/v1/session/logoff', method: 'DELETE' });
    expect(jim2({ ...input, logoff: false }).logoff).toBe(false);
  });

  it('clientAuth basic sends the secret raw, like the vendor C# sample', () => {
    const o = jim2({ ...input, clientSecret: 'password', clientAuth: 'basic' });
    const req = buildTokenRequest({
      tokenUrl: o.tokenUrl!,
      grant: { grant_type: 'client_credentials' },
      clientAuth: 'basic',
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      basicEncoding: o.basicEncoding!,
      scope: 'view',
    });
    // The page's own value: "TestClientId:password" in base64.
    expect(req.headers.authorization).toBe('Basic VGVzdENsaWVudElkOnBhc3N3b3Jk');
    expect(req.body).toBe('grant_type=client_credentials&scope=view');
  });

  it('maps "no licence" answers to NO_LICENCE and leaves other errors alone', () => {
    const o = jim2(input);
    const noLicence = new OAuthError(ErrorCode.OAUTH, 'x', { status: 400, error: 'invalid_grant', errorDescription: 'No user licences are available' });
    const other = new OAuthError(ErrorCode.OAUTH, 'x', { status: 400, error: 'invalid_client', errorDescription: 'The client credentials are invalid' });
    expect(o.mapError!(noLicence)).toBe(ErrorCode.NO_LICENCE);
    expect(o.mapError!(other)).toBeUndefined();
    expect(isJim2NoLicence(new OAuthError(ErrorCode.RESPONSE, 'x', { status: 403, bodyExcerpt: 'License limit reached' }))).toBe(true);
  });

  it('explains bad inputs without echoing the secret', () => {
    expect(configError(() => jim2({ ...input, baseUrl: 'jim2.local/Jim_Test' })).message).toMatch(
      /jim2\(\): option `baseUrl` must be an absolute http\(s\) URL/,
    );
    expect(configError(() => jim2({ ...input, baseUrl: 'ftp://jim2.local/' })).message).toContain('must use http: or https:');
    expect(configError(() => jim2({ ...input, clientId: '' })).message).toContain('option `clientId` must be a non-empty string');
    const secret = configError(() => jim2({ ...input, clientSecret: 42 as unknown as string }));
    expect(secret.message).toBe('tokenward: jim2(): option `clientSecret` must be a non-empty string, got a number');
    expect(configError(() => jim2({ ...input, logoff: { method: 'PO ST' } })).message).toContain('logoff.method');
    expect(configError(() => jim2(undefined as never)).message).toContain('expected an options object');
  });

  it('takes overrides, which win', () => {
    const fetch = globalThis.fetch;
    const o = jim2(input, { fetch, retry: false, proactive: true });
    expect(o.fetch).toBe(fetch);
    expect(o.retry).toBe(false);
    expect(o.proactive).toBe(true);
  });
});

describe('veeamRecoveryOrchestrator()', () => {
  it('a bare host gets https and port 9898; password grant, DELETE /api/token logoff', () => {
    const o = veeamRecoveryOrchestrator({ baseUrl: 'uwin2012r2.n.local', username: 'vdro\\administrator', password: 'Password1' });
    expect(o.tokenUrl).toBe('https://uwin2012r2.n.local:9898/api/token');
    expect(o).toMatchObject({ grant: 'password', username: 'vdro\\administrator', password: 'Password1' });
    expect(o.clientId).toBeUndefined();
    expect(o.logoff).toEqual({ style: 'bearer', url: 'https://uwin2012r2.n.local:9898/api/token', method: 'DELETE' });
    expect(veeamRecoveryOrchestrator({ baseUrl: 'vro:443', username: 'u', password: 'p' }).tokenUrl).toBe('https://vro/api/token');
    expect(veeamRecoveryOrchestrator({ baseUrl: 'http://10.0.0.5:9898', username: 'u', password: 'p' }).tokenUrl).toBe('http://10.0.0.5:9898/api/token');
  });

  it('client accounts use client_credentials with body credentials', () => {
    const o = veeamRecoveryOrchestrator({ baseUrl: 'https://vro.example:9898/', clientId: 'id', clientSecret: 's/+=' });
    expect(o).toMatchObject({ grant: 'client_credentials', clientId: 'id', clientSecret: 's/+=', clientAuth: 'body' });
    expect(() => new TokenManager(o)).not.toThrow();
  });

  it("a CA goes to tokenward's own transport as tls: { ca } (proxies keep applying); TLS checks are never turned off", () => {
    const ca = makePki().ca.cert;
    const o = veeamRecoveryOrchestrator({ baseUrl: 'vro.example', username: 'u', password: 'p', ca });
    expect(o.tls).toEqual({ ca: [ca] });
    expect(o.dispatcher).toBeUndefined();
    expect(() => new TokenManager(o)).not.toThrow();
    const dispatcher = new Agent();
    expect(veeamRecoveryOrchestrator({ baseUrl: 'vro.example', username: 'u', password: 'p', dispatcher }).dispatcher).toBe(dispatcher);
    expect(configError(() => veeamRecoveryOrchestrator({ baseUrl: 'vro.example', username: 'u', password: 'p', dispatcher, ca: 'x' })).message).toContain(
      'not both',
    );
    expect(configError(() => veeamRecoveryOrchestrator({ baseUrl: 'vro.example', username: 'u', password: 'p', ca: 'not a pem' })).message).toContain('PEM');
  });

  it('needs exactly one complete credential pair', () => {
    expect(configError(() => veeamRecoveryOrchestrator({ baseUrl: 'vro' })).message).toContain('needs credentials');
    expect(configError(() => veeamRecoveryOrchestrator({ baseUrl: 'vro', username: 'u' })).message).toContain('`password` is missing');
    expect(configError(() => veeamRecoveryOrchestrator({ baseUrl: 'vro', username: 'u', password: 'p', clientId: 'c', clientSecret: 's' })).message).toContain(
      'not both',
    );
  });
});

describe('infolink()', () => {
  it('body credentials, refresh without them (per the docs), the envelope-aware auth check, local logoff', () => {
    const o = infolink({ baseUrl: 'http://infolink.example', clientId: 'c', clientSecret: 's' });
    expect(o).toMatchObject({
      tokenUrl: 'http://infolink.example/api/v1/oauth2/token',
      grant: 'client_credentials',
      clientAuth: 'body',
      refreshWithClientAuth: false,
      logoff: false,
    });
    expect(o.isAuthFailure).toBe(isInfoLinkAuthFailure);
    const p = infolink({ baseUrl: 'http://infolink.example/app/', clientId: 'c', clientSecret: 's', username: 'john@company.com', password: 'pw' });
    expect(p).toMatchObject({ tokenUrl: 'http://infolink.example/app/api/v1/oauth2/token', grant: 'password', username: 'john@company.com' });
    expect(configError(() => infolink({ baseUrl: 'http://i', clientId: 'c', clientSecret: 's', username: 'u' })).message).toContain('option `password`');
  });

  it('isInfoLinkAuthFailure: the envelope on a 200 is a failure, a success envelope is not, and the body stays readable', async () => {
    const envelope = '{"result":{"code":"invalid_grant","message":"Credentials or token is invalid or expired"},"status":"error"}';
    const expired = new Response(envelope, { status: 200, headers: { 'content-type': 'application/json' } });
    expect(await isInfoLinkAuthFailure(expired)).toBe(true);
    expect(await expired.text()).toBe(envelope);
    const ok = new Response('{"result":{"jobId":1},"status":"success"}', { status: 200, headers: { 'content-type': 'application/json' } });
    expect(await isInfoLinkAuthFailure(ok)).toBe(false);
    expect(
      await isInfoLinkAuthFailure(
        new Response('{"result":{"code":"invalid_grant"},"status":"error"}', { status: 200, headers: { 'content-type': 'text/html' } }),
      ),
    ).toBe(false);
    expect(await isInfoLinkAuthFailure(new Response(null, { status: 401 }))).toBe(true);
    expect(await isInfoLinkAuthFailure(new Response('{oops', { status: 200, headers: { 'content-type': 'application/json' } }))).toBe(false);
  });

  /** A JSON body that arrives in `chunks` and then stays open for good, like a stalled or endless export. */
  const endless = (...chunks: string[]) => {
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      },
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } });
  };

  it('isInfoLinkAuthFailure: a streamed JSON answer that never ends is decided from its first bytes, and the caller can still read them', {
    timeout: 5_000,
  }, async () => {
    const res = endless('{"rows":[', '{"id":1},');
    expect(await isInfoLinkAuthFailure(res)).toBe(false);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"rows":[');
    await reader.cancel();
    // The usual InfoLink shape of a data answer, still arriving.
    expect(await isInfoLinkAuthFailure(endless('{"result":{"rows":[{"id":1}'))).toBe(false);
  });

  it('isInfoLinkAuthFailure: an endless body without an early tell is given up after 64 KiB', { timeout: 5_000 }, async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"result":{"output":"'));
      },
      pull(c) {
        // After 4 MiB it stalls without closing: a reader with no byte cap would wait here for good.
        if (sent >= 4 * 1024 * 1024) return new Promise<void>(() => {});
        sent += 1024;
        c.enqueue(new Uint8Array(1024).fill(0x61)); // "aaaa…", one long string that never closes
        return undefined;
      },
    });
    expect(await isInfoLinkAuthFailure(new Response(stream, { headers: { 'content-type': 'application/json' } }))).toBe(false);
    // It stopped pulling shortly after the cap (the clone's tee buffers the rest for the caller).
    expect(sent).toBeGreaterThanOrEqual(64 * 1024);
    expect(sent).toBeLessThan(256 * 1024);
  });

  it('isInfoLinkAuthFailure: the envelope split across chunks is still recognised', async () => {
    const enc = new TextEncoder();
    const parts = ['{"result":{"co', 'de":"invalid_grant","message":"Credentials or token is invalid or expired \\"x\\" [1]"}', ',"status":"error"}'];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = parts.shift();
        if (next === undefined) c.close();
        else c.enqueue(enc.encode(next));
      },
    });
    expect(await isInfoLinkAuthFailure(new Response(stream, { headers: { 'content-type': 'application/json' } }))).toBe(true);
  });
});

describe('brightPattern()', () => {
  it('the tenant host is the scope, one value, and the default host', () => {
    const o = brightPattern({ tenantHost: 'acme.brightpattern.com', clientId: 'sheila.thomas', clientSecret: 's' });
    expect(o).toMatchObject({
      tokenUrl: 'https://acme.brightpattern.com/configapi/v2/oauth/token',
      scope: 'acme.brightpattern.com',
      clientAuth: 'body',
      logoff: false,
    });
    const req = buildTokenRequest({
      tokenUrl: o.tokenUrl!,
      grant: { grant_type: 'client_credentials' },
      clientAuth: 'body',
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      scope: o.scope as string,
    });
    expect(req.body).toBe('grant_type=client_credentials&scope=acme.brightpattern.com&client_id=sheila.thomas&client_secret=s');
    const hosted = brightPattern({ tenantHost: 'example.com', clientId: 'c', clientSecret: 's', baseUrl: 'https://bp.example.net:8443/' });
    expect(hosted.tokenUrl).toBe('https://bp.example.net:8443/configapi/v2/oauth/token');
    expect(hosted.scope).toBe('example.com');
  });

  it('refuses a URL or a list where the host name goes', () => {
    expect(configError(() => brightPattern({ tenantHost: 'https://acme.brightpattern.com/', clientId: 'c', clientSecret: 's' })).message).toContain(
      '"acme.brightpattern.com"; a URL goes in `baseUrl`',
    );
    expect(configError(() => brightPattern({ tenantHost: 'a.com b.com', clientId: 'c', clientSecret: 's' })).message).toContain('must be a host name');
  });
});

describe('aspnetAuthToken()', () => {
  it('a JSON body with WindowsAuthentication false as a JSON boolean', () => {
    const o = aspnetAuthToken({ baseUrl: 'https://api.example.com', clientId: 'portal', clientSecret: 'pw', username: 'jan', password: 'p' });
    expect(o).toMatchObject({
      tokenUrl: 'https://api.example.com/api/v1/auth/token',
      bodyFormat: 'json',
      params: { WindowsAuthentication: false },
      grant: 'password',
      clientAuth: 'body',
      logoff: false,
    });
    const req = buildTokenRequest({
      tokenUrl: o.tokenUrl!,
      grant: { grant_type: 'password', username: 'jan', password: 'p' },
      clientAuth: 'body',
      clientId: 'portal',
      clientSecret: 'pw',
      params: o.params!,
      bodyFormat: 'json',
    });
    expect(req.headers.accept).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      grant_type: 'password',
      username: 'jan',
      password: 'p',
      client_id: 'portal',
      client_secret: 'pw',
      WindowsAuthentication: false,
    });
    expect(req.body).toContain('"WindowsAuthentication":false');
  });

  it('client_credentials without a user; clear errors for what is missing', () => {
    expect(aspnetAuthToken({ baseUrl: 'https://api.example.com', clientId: 'c', clientSecret: 's' }).grant).toBe('client_credentials');
    expect(configError(() => aspnetAuthToken({ baseUrl: 'https://api.example.com' })).message).toContain('needs `clientId`');
    expect(configError(() => aspnetAuthToken({ baseUrl: 'https://api.example.com', clientId: 'c', windowsAuthentication: 'no' as never })).message).toContain(
      'must be a boolean',
    );
  });
});

describe('every profile', () => {
  // One valid input per profile; each test below changes one thing about it.
  const profiles = [
    ['jim2', jim2, { baseUrl: 'http://jim2.local/Jim_Test/', clientId: 'TestClientId', clientSecret: 'pw' }],
    ['veeamRecoveryOrchestrator', veeamRecoveryOrchestrator, { baseUrl: 'vro.example', username: 'u', password: 'pw' }],
    ['infolink', infolink, { baseUrl: 'http://infolink.example/', clientId: 'c', clientSecret: 'pw' }],
    ['brightPattern', brightPattern, { tenantHost: 'acme.brightpattern.com', clientId: 'c', clientSecret: 'pw' }],
    ['aspnetAuthToken', aspnetAuthToken, { baseUrl: 'https://api.example.com/', clientId: 'c', clientSecret: 'pw' }],
  ] as const satisfies ReadonlyArray<readonly [string, (input: never) => unknown, object]>;
  const call = (fn: (input: never) => unknown, input: object) => () => fn(input as never);

  it.each(profiles)('%s() refuses unknown keys, naming them and what it takes, as TokenManager does', (name, fn, input) => {
    const one = configError(call(fn, { ...input, clientSecert: 'typo' }));
    expect(one.message).toMatch(
      new RegExp(
        `^tokenward: ${name}\\(\\): unknown option \`clientSecert\`; ${name}\\(\\) takes \`\\w+\`.*\\(any other TokenManager option goes in the second argument\\)$`,
      ),
    );
    expect(one.message).not.toContain('typo');
    expect(configError(call(fn, { ...input, retry: false, fetch: globalThis.fetch })).message).toContain('unknown options `retry`, `fetch`');
    expect(() => new TokenManager((fn as (i: object) => TokenManagerOptions)(input))).not.toThrow();
  });

  it.each(profiles)('%s() refuses a credential given as undefined, naming it', (name, fn, input) => {
    const key = 'clientSecret' in input ? 'clientSecret' : 'password';
    const err = configError(call(fn, { ...input, [key]: undefined }));
    expect(err.message).toBe(`tokenward: ${name}(): option \`${key}\` is undefined: is the environment variable you read it from set?`);
  });

  it.each([
    ['jim2', jim2],
    ['brightPattern', brightPattern],
  ] as const)('%s() takes the secret as clientSecret, still as the deprecated secret, never both', (name, fn) => {
    const input = profiles.find(([n]) => n === name)![2] as { clientSecret: string };
    const { clientSecret, ...rest } = input;
    // The same options either way (jim2's mapError is a new function per call, so it is left out).
    const data = ({ mapError, ...options }: TokenManagerOptions) => ({ ...options, mapError: typeof mapError });
    expect(data(fn({ ...rest, secret: clientSecret } as never))).toEqual(data(fn(input as never)));
    expect(fn(input as never)).toMatchObject({ clientSecret: 'pw' });
    const both = configError(call(fn, { ...input, secret: 'pw' }));
    expect(both.message).toBe(`tokenward: ${name}(): give \`clientSecret\` only (\`secret\` is its deprecated name), not both`);
    expect(configError(call(fn, rest)).message).toBe(`tokenward: ${name}(): option \`clientSecret\` must be a non-empty string, got nothing`);
  });

  it('jim2() refuses unknown keys in logoff too', () => {
    const err = configError(() => jim2({ baseUrl: 'http://j/', clientId: 'c', clientSecret: 's', logoff: { pth: 'x' } as never }));
    expect(err.message).toBe('tokenward: jim2(): unknown option `logoff.pth`; `logoff` takes `path`, `method`');
  });
});

describe('named exports from the root entry', () => {
  it('re-exports every profile', () => {
    for (const name of ['jim2', 'veeamRecoveryOrchestrator', 'infolink', 'brightPattern', 'aspnetAuthToken', 'isInfoLinkAuthFailure', 'isJim2NoLicence']) {
      expect(typeof (root as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
