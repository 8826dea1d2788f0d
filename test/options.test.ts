/**
 * Options: defaults (asserted against docs/configuration.md, so the docs cannot drift), aliases, and
 * configuration errors that name the option and never echo a secret.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, ErrorCode, TokenManager, type TokenManagerOptions } from '../src/index.js';
import { resolveOptions } from '../src/options.js';

const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
const source = readFileSync(new URL('../src/options-types.ts', import.meta.url), 'utf8');
const enterpriseSource = readFileSync(new URL('../src/options-enterprise.ts', import.meta.url), 'utf8');
const grantsSource = readFileSync(new URL('../src/options-grants.ts', import.meta.url), 'utf8');

/** Rows of the doc's options table: option name → default cell. */
function docDefaults(): Map<string, string> {
  const section = doc.split(/^## /m).find((s) => s.startsWith('Options'))!;
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    // | `name` | type | default | what it does |  (a type may contain an escaped \|)
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const name = /^`([\w.]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name) rows.set(name, cells[3]!);
  }
  return rows;
}

/** A doc default cell as a value: `'auto'` → 'auto', `10000` → 10000, `['a', 'b']` → ['a','b']. */
function docValue(cell: string): unknown {
  const code = /^`(.+)`$/.exec(cell)?.[1];
  if (code === undefined) return cell;
  return JSON.parse(code.replace(/'/g, '"').replace(/(\d)_(\d)/g, '$1$2'));
}

const tokenUrl = 'https://auth.example.com/token';
const SECRET = 'Sup3r-S3cret!value';
const PASSWORD = 'Pa55word-that-is-long';

function configError(options: unknown): ConfigError {
  try {
    new TokenManager(options as TokenManagerOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe(ErrorCode.CONFIG);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('DEFAULTS and docs/configuration.md', () => {
  const rows = docDefaults();
  const expected: Record<string, unknown> = {
    clientAuth: DEFAULTS.clientAuth,
    basicEncoding: DEFAULTS.basicEncoding,
    bodyFormat: DEFAULTS.bodyFormat,
    refreshWithClientAuth: DEFAULTS.refreshWithClientAuth,
    timeout: DEFAULTS.timeout,
    'retry.retries': DEFAULTS.retry.retries,
    'retry.minTimeout': DEFAULTS.retry.minTimeout,
    'retry.maxTimeout': DEFAULTS.retry.maxTimeout,
    'retry.maxRetryTime': DEFAULTS.retry.maxRetryTime,
    refreshSkew: DEFAULTS.refreshSkew,
    defaultExpiresIn: DEFAULTS.defaultExpiresIn,
    proactive: DEFAULTS.proactive,
    maxResponseBytes: DEFAULTS.maxResponseBytes,
    maxCachedTokens: DEFAULTS.maxCachedTokens,
    'logoff.method': DEFAULTS.logoffMethod,
    'logoff.tokens': DEFAULTS.revokeTokens,
    assertionLifetime: DEFAULTS.assertionLifetime,
    subjectTokenType: DEFAULTS.subjectTokenType,
    dpop: DEFAULTS.dpop,
    actorTokenType: DEFAULTS.actorTokenType,
  };

  it('every entry of DEFAULTS is in the doc table (a new default must be documented)', () => {
    const flat = Object.entries(DEFAULTS).flatMap(([k, v]) => (typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).map((s) => `${k}.${s}`) : [k]));
    const aliases: Record<string, string> = { logoffMethod: 'logoff.method', revokeTokens: 'logoff.tokens' };
    expect(flat.map((k) => aliases[k] ?? k).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('the doc says %s defaults to %j', (name, value) => {
    expect(rows.has(name)).toBe(true);
    expect(docValue(rows.get(name)!)).toEqual(value);
  });

  it('every option of TokenManagerOptions has a row', () => {
    // TokenManagerOptions extends EnterpriseOptions (options-enterprise.ts) and GrantOptions
    // (options-grants.ts): all three bodies hold options.
    const body =
      /export interface TokenManagerOptions extends EnterpriseOptions, GrantOptions \{([\s\S]*?)\n\}/.exec(source)![1]! +
      /export interface EnterpriseOptions \{([\s\S]*?)\n\}/.exec(enterpriseSource)![1]! +
      /export interface GrantOptions \{([\s\S]*?)\n\}/.exec(grantsSource)![1]!;
    const names = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(rows.has(name), `docs/configuration.md has no row for \`${name}\``).toBe(true);
    expect(rows.get('tokenUrl')).toBe('required unless `issuer`');
    expect(rows.get('issuer')).toBe('required unless `tokenUrl`');
  });

  it('resolveOptions applies exactly these defaults', () => {
    const o = resolveOptions({ tokenUrl, clientId: 'c', logoff: { style: 'bearer' } });
    expect(o).toMatchObject({
      clientAuth: DEFAULTS.clientAuth,
      basicEncoding: DEFAULTS.basicEncoding,
      bodyFormat: DEFAULTS.bodyFormat,
      refreshWithClientAuth: DEFAULTS.refreshWithClientAuth,
      timeout: DEFAULTS.timeout,
      retry: { ...DEFAULTS.retry },
      refreshSkew: DEFAULTS.refreshSkew,
      defaultExpiresIn: DEFAULTS.defaultExpiresIn,
      proactive: DEFAULTS.proactive,
      maxResponseBytes: DEFAULTS.maxResponseBytes,
      grant: 'client_credentials',
      logoff: { style: 'bearer', method: DEFAULTS.logoffMethod },
    });
    expect((o.logoff as { url: URL }).url.href).toBe(tokenUrl);
    const revoke = resolveOptions({ tokenUrl, logoff: { style: 'revoke', url: '/revoke' } });
    expect(revoke.logoff).toMatchObject({ tokens: [...DEFAULTS.revokeTokens] });
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });
});

describe('resolveOptions', () => {
  it('grant defaults to password when username is set', () => {
    expect(resolveOptions({ tokenUrl, username: 'u', password: 'p' }).grant).toBe('password');
    expect(resolveOptions({ tokenUrl, clientId: 'c', username: 'u', password: 'p', grant: 'client_credentials' }).grant).toBe('client_credentials');
  });

  it('RFC 7591 names are aliases', () => {
    expect(resolveOptions({ tokenUrl, clientId: 'c', clientAuth: 'client_secret_basic' }).clientAuth).toBe('basic');
    expect(resolveOptions({ tokenUrl, clientId: 'c', clientAuth: 'client_secret_post' }).clientAuth).toBe('body');
  });

  it('scope arrays are joined with spaces; strings are kept (a host name is fine)', () => {
    expect(resolveOptions({ tokenUrl, scope: ['openid', 'profile'] }).scope).toBe('openid profile');
    expect(resolveOptions({ tokenUrl, scope: 'example.com' }).scope).toBe('example.com');
  });

  it('tokenUrl is kept exactly, plain http and site path included', () => {
    expect(resolveOptions({ tokenUrl: 'http://localhost/Jim_Test/token' }).tokenUrl?.href).toBe('http://localhost/Jim_Test/token');
  });

  it('retry merges over the defaults; false disables it', () => {
    expect(resolveOptions({ tokenUrl, retry: { retries: 1 } }).retry).toEqual({ ...DEFAULTS.retry, retries: 1 });
    expect(resolveOptions({ tokenUrl, retry: false }).retry).toBe(false);
  });

  it('logoff urls resolve against baseUrl, else tokenUrl; the method is upper-cased', () => {
    const a = resolveOptions({ tokenUrl: 'http://h/Jim_Test/token', logoff: { style: 'bearer', url: 'api/v1/logoff', method: 'post' } });
    expect(a.logoff).toMatchObject({ method: 'POST' });
    expect((a.logoff as { url: URL }).url.href).toBe('http://h/Jim_Test/api/v1/logoff');
    const b = resolveOptions({ tokenUrl, baseUrl: 'https://api.example.com/v1/', logoff: { style: 'bearer', url: 'session' } });
    expect((b.logoff as { url: URL }).url.href).toBe('https://api.example.com/v1/session');
    // Veeam, no baseUrl: `/api/token` is the origin's /api/token, not /api/api/token.
    const veeam = resolveOptions({ tokenUrl: 'https://vro:9898/api/token', username: 'u', password: 'p', logoff: { style: 'bearer', url: '/api/token' } });
    expect((veeam.logoff as { url: URL }).url.href).toBe('https://vro:9898/api/token');
    // Jim2 with a site base: a leading slash stays under the site path, as in tm.fetch.
    const jim2 = resolveOptions({ tokenUrl: 'http://h/Jim_Test/token', baseUrl: 'http://h/Jim_Test', logoff: { style: 'bearer', url: '/api/v1/logoff' } });
    expect((jim2.logoff as { url: URL }).url.href).toBe('http://h/Jim_Test/api/v1/logoff');
  });

  it('allowed origins: the tokenUrl (or baseUrl) origin plus allowedOrigins', () => {
    expect([...resolveOptions({ tokenUrl, allowedOrigins: ['https://api.example.com/x'] }).allowedOrigins]).toEqual([
      'https://auth.example.com',
      'https://api.example.com',
    ]);
  });
});

describe('configuration errors name the option and never echo a secret', () => {
  it.each([
    [{}, 'option `tokenUrl`'],
    [{ tokenUrl: 'not a url' }, 'option `tokenUrl` must be an absolute http(s) URL, got "not a url"'],
    [{ tokenUrl: 'ftp://h/token' }, 'option `tokenUrl` must use http: or https:, got "ftp:"'],
    [
      { tokenUrl, clientAuth: 'magic' },
      'option `clientAuth` must be one of "auto", "basic", "body", "none", "client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt", "tls_client_auth", "self_signed_tls_client_auth", got "magic"',
    ],
    [{ tokenUrl, bodyFormat: 'xml' }, 'option `bodyFormat` must be one of "form", "json", got "xml"'],
    [{ tokenUrl, timeout: -5 }, 'option `timeout`'],
    [{ tokenUrl, timeout: 1.5 }, 'option `timeout`'],
    [{ tokenUrl, clientId: '' }, 'option `clientId` must not be empty, got ""'],
    [{ tokenUrl, retry: { retries: -1 } }, 'option `retry.retries`'],
    [{ tokenUrl, retry: { tries: 3 } }, 'unknown option `tries`'],
    [{ tokenUrl, clientsecret: 'x' }, 'unknown option `clientsecret`'],
    [{ tokenUrl, fetch: 'yes' }, 'option `fetch` must be a function'],
    [{ tokenUrl, params: { a: { b: 1 } } }, 'option `params.a`'],
    [{ tokenUrl, store: {} }, 'option `store` must implement get(key), set(key, token) and delete(key)'],
    [{ tokenUrl, logoff: { style: 'bearer', method: 'DEL ETE' } }, 'option `logoff'],
    [{ tokenUrl, grant: 'password' }, 'option `grant` is "password", which needs both `username` and `password`'],
    [{ tokenUrl, username: 'u' }, 'option `grant` is "password", which needs both `username` and `password`'],
    [{ tokenUrl, clientAuth: 'basic' }, 'option `clientAuth` is "basic", which needs `clientId`'],
    [{ tokenUrl, clientAuth: 'none' }, 'option `clientAuth` is "none", which needs `clientId`'],
    [{ tokenUrl, clientSecret: 'abcdefgh' }, 'option `clientSecret` is set, which needs `clientId`'],
  ])('%j → %s', (options, text) => {
    expect(configError(options).message).toContain(text);
  });

  it('options must be an object', () => {
    expect(configError(null).message).toBe('tokenward: options must be an object, got null');
    expect(configError('https://x').message).toBe('tokenward: options must be an object, got string');
  });

  it('a wrongly typed clientSecret or password is named, its value never shown', () => {
    for (const options of [
      { tokenUrl, clientId: 'c', clientSecret: { value: SECRET } },
      { tokenUrl, clientId: 'c', clientSecret: [SECRET] },
      { tokenUrl, username: 'u', password: [PASSWORD] },
      { tokenUrl, username: 'u', password: 12345678 },
    ]) {
      const err = configError(options);
      expect(err.message).toMatch(/option `(clientSecret|password)`/);
      for (const text of [err.message, JSON.stringify(err), String(err), err.stack ?? '']) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain('12345678');
      }
    }
  });

  it('other errors in the same options never echo clientSecret or password', () => {
    const err = configError({ tokenUrl: 'nope', clientId: 'c', clientSecret: SECRET, username: 'u', password: PASSWORD, timeout: 'x' });
    expect(err.message).toContain('option `tokenUrl`');
    expect(err.message).toContain('option `timeout`');
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(PASSWORD);
  });
});

describe('a credential present with the value undefined (an unset environment variable)', () => {
  it.each([
    ['clientSecret', { clientId: 'c', clientSecret: undefined }],
    ['clientId', { clientId: undefined, clientSecret: SECRET }],
    ['username', { username: undefined, password: PASSWORD }],
    ['password', { username: 'u', password: undefined }],
    ['privateKey', { clientId: 'c', privateKey: undefined }],
  ])('%s is a ConfigError naming it', (name, options) => {
    const err = configError({ tokenUrl, ...options });
    expect(err.message).toContain(`option \`${name}\` is undefined: is the environment variable you read it from set?`);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(PASSWORD);
  });

  it('names every undefined credential at once', () => {
    const err = configError({ tokenUrl, username: undefined, password: undefined });
    expect(err.message).toContain('options `username`, `password` are undefined: are the environment variables you read them from set?');
  });

  it("an undefined clientSecret is fine for a public client (clientAuth: 'none')", () => {
    expect(resolveOptions({ tokenUrl, clientId: 'c', clientSecret: undefined, clientAuth: 'none' }).clientSecret).toBeUndefined();
    expect(configError({ tokenUrl, clientId: 'c', clientSecret: undefined }).message).toContain("`clientAuth: 'none'`");
  });

  it('an undefined clientSecret is fine when something else authenticates the client (a key, an assertion, a certificate)', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => resolveOptions({ tokenUrl, clientId: 'c', clientSecret: undefined, privateKey })).not.toThrow();
    expect(() => resolveOptions({ tokenUrl, clientId: 'c', clientSecret: undefined, clientAssertion: () => 'a.b.c' })).not.toThrow();
  });

  it('a key left out is still optional, and other options may be undefined', () => {
    expect(() => resolveOptions({ tokenUrl, clientId: 'c' })).not.toThrow();
    expect(() => resolveOptions({ tokenUrl, scope: undefined, timeout: undefined, baseUrl: undefined })).not.toThrow();
  });
});

describe('URLs with user info', () => {
  const PASS = 'S3cretPassw0rd';
  it.each([
    { name: 'tokenUrl', options: { tokenUrl: `https://svc:${PASS}@auth.example.com/token` } },
    { name: 'tokenUrl', options: { tokenUrl: new URL(`https://svc:${PASS}@auth.example.com/token`) } },
    { name: 'baseUrl', options: { tokenUrl, baseUrl: `https://svc:${PASS}@api.example.com/v1` } },
    { name: 'allowedOrigins.0', options: { tokenUrl, allowedOrigins: [`https://svc:${PASS}@api.example.com`] } },
    { name: 'logoff.url', options: { tokenUrl, logoff: { style: 'bearer', url: `https://svc:${PASS}@auth.example.com/logoff` } } },
    { name: 'logoff.url', options: { tokenUrl, logoff: { style: 'revoke', url: `https://svc:${PASS}@auth.example.com/revoke` } } },
  ])('$name is refused without echoing the password', ({ name, options }) => {
    const err = configError(options);
    expect(err.message).toContain(`option \`${name}\` must not contain user info`);
    expect(err.message).toContain('"https://[user info]@');
    expect(JSON.stringify(err) + String(err.stack)).not.toContain(PASS);
    expect(err.message).not.toContain('svc:');
  });

  it('a user name alone is refused too', () => {
    expect(configError({ tokenUrl: 'https://svc@auth.example.com/token' }).message).toContain('must not contain user info');
  });

  it('an unparseable URL with user info is echoed without it', () => {
    const err = configError({ tokenUrl: `https://svc:${PASS}@auth example.com/token` });
    expect(err.message).toContain('must be an absolute http(s) URL');
    expect(err.message).not.toContain(PASS);
  });
});

describe('numbers a timer cannot hold', () => {
  it.each([
    ['timeout', { timeout: 3_000_000_000 }],
    ['maxResponseBytes', { maxResponseBytes: 2 ** 31 }],
    ['retry.minTimeout', { retry: { minTimeout: 3_000_000_000 } }],
    ['retry.maxTimeout', { retry: { maxTimeout: 2 ** 32 } }],
    ['retry.maxRetryTime', { retry: { maxRetryTime: 5_000_000_000 } }],
  ])('%s above 2^31-1 is refused, naming the limit', (name, options) => {
    const err = configError({ tokenUrl, ...options });
    expect(err.message).toContain(`option \`${name}\` must be at most 2147483647`);
  });

  it('maxResponseBytes is a size: its limit is said in bytes, not days or milliseconds', () => {
    const err = configError({ tokenUrl, maxResponseBytes: 2 ** 31 });
    expect(err.message).toContain('option `maxResponseBytes` must be at most 2147483647 bytes (2^31-1, 2 GiB), got 2147483648');
    expect(err.message).not.toMatch(/days|milliseconds/);
    expect(configError({ tokenUrl, maxResponseBytes: 0 }).message).toContain('option `maxResponseBytes` must be a positive whole number of bytes, got 0');
  });

  it('2^31-1 itself is accepted', () => {
    const o = resolveOptions({
      tokenUrl,
      timeout: 2_147_483_647,
      maxResponseBytes: 2_147_483_647,
      retry: { minTimeout: 2_147_483_647, maxTimeout: 2_147_483_647, maxRetryTime: 2_147_483_647 },
    });
    expect(o.timeout).toBe(2_147_483_647);
  });
});

describe('fetch and dispatcher together', () => {
  it('is refused: the dispatcher would be silently ignored', () => {
    const dispatcher = { dispatch: () => true } as unknown as TokenManagerOptions['dispatcher'];
    const err = configError({ tokenUrl, fetch: globalThis.fetch, dispatcher });
    expect(err.message).toContain('`fetch` and `dispatcher` cannot be used together');
    expect(() => new TokenManager({ tokenUrl, dispatcher })).not.toThrow();
  });
});

describe('shape problems say what was expected and what was given', () => {
  it.each([
    [{ tokenUrl: 5 }, 'option `tokenUrl` must be a URL (a string or a URL object), got 5'],
    [{ tokenUrl, timeout: 'soon' }, 'option `timeout` must be a number, got "soon"'],
    [{ tokenUrl, timeout: Number.NaN }, 'option `timeout` must be a finite number, got NaN'],
    [{ tokenUrl, timeout: 1.5 }, 'option `timeout` must be a whole number, got 1.5'],
    [{ tokenUrl, retry: { tries: 3 } }, 'unknown option `tries` in `retry`'],
    [{ tokenUrl, retry: true }, 'option `retry` must be false or an object, got true'],
    [{ tokenUrl, retry: { retries: 21 } }, 'option `retry.retries` must be at most 20, got 21'],
    [{ tokenUrl, params: new URL('https://example.com/') }, 'option `params` must be an object of names and values, got an object'],
    [{ tokenUrl, params: { a: null } }, 'option `params.a` must be a string, a number or a boolean, got null'],
    [{ tokenUrl, logoff: { style: 'soon' } }, 'option `logoff` must be false, or an object whose `style` is "bearer" or "revoke", got an object'],
    [{ tokenUrl, logoff: { style: 'bearer', method: 'DEL ETE' } }, 'option `logoff.method` must be an HTTP method (letters only), got "DEL ETE"'],
    [{ tokenUrl, scope: ['openid', ''] }, 'option `scope.1` must not be empty, got ""'],
    [{ tokenUrl, scope: 5 }, 'option `scope` must be a string or an array of strings, got 5'],
    [{ tokenUrl, grant: 'urn:x:y', grantParams: { '': 'x' } }, 'option `grantParams` must have non-empty names, got an object'],
  ])('%j → %s', (options, text) => {
    expect(configError(options).message).toContain(text);
  });

  it('one problem per option: a non-string id is not also called empty', () => {
    expect(configError({ tokenUrl, clientId: [] }).message).toBe('tokenward: invalid options: option `clientId` must be a string, got an array');
  });

  it("a secret's problem names its kind, never its value", () => {
    const err = configError({ tokenUrl, clientId: 'c', clientSecret: 12345678, tls: { cert: 'a', key: '' }, proxy: 'socks://user:hunter2@proxy:1080' });
    expect(err.message).toBe(
      'tokenward: invalid options: option `clientSecret` must be a string, got a number; option `tls.key` must not be empty, got an empty string; option `proxy` must be an http(s) proxy URL or false, got "socks://[user info]@proxy:1080"',
    );
  });

  it('an array is not an options object', () => {
    expect(configError([tokenUrl]).message).toBe('tokenward: options must be an object, got an array');
  });

  it('problems come in the order of the options table, unknown options last, inherited keys included', () => {
    const inherited = Object.assign(Object.create({ tokenUrl, tokenURL: tokenUrl }) as object, { timeout: 'x', clientId: '' });
    expect(configError(inherited).message).toBe(
      'tokenward: invalid options: option `clientId` must not be empty, got ""; option `timeout` must be a number, got "x"; unknown option `tokenURL`',
    );
  });
});
