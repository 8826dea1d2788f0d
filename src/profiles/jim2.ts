/**
 * Jim2 Business Engine Web API (Jim2Server, Happen Business).
 * @module
 */
import { ConfigError, ErrorCode, type TokenwardError } from '../errors.js';
import type { TokenManagerOptions } from '../options.js';
import {
  type ClientSecretInput,
  checkInput,
  clientSecretOf,
  inputKeys,
  optionalString,
  type ProfileOverrides,
  requireObject,
  requireString,
  siteBase,
  under,
  withOverrides,
} from './shared.js';

/**
 * What a Jim2 admin gives you. The secret, `clientSecret`, is the mapped user cardfile's password
 * (`secret` is its deprecated name, still accepted).
 *
 * @example
 * ```ts
 * import { jim2, type Jim2Input } from 'tokenward/profiles';
 *
 * // A read-only service: scope 'view' takes no user licence.
 * const input: Jim2Input = { baseUrl: 'http://jim2.local/Jim_Test/', clientId: 'TestClientId', clientSecret: process.env.JIM2_SECRET ?? '', scope: 'view' };
 * const options = jim2(input);
 * ```
 */
export type Jim2Input = {
  /** The Jim2 site base, path included: `http://jim2.local/Jim_Test/`. Plain http is allowed (the vendor's sample uses it). */
  baseUrl: string | URL;
  /** The OAuth client id configured in Jim2's "client id to user" mapping. */
  clientId: string;
  /**
   * `'view'` is read-only and takes no user licence; `'all'` (Jim2's default when no scope is sent)
   * takes one for as long as the session lives. @default not sent (Jim2 then uses 'all')
   */
  scope?: 'view' | 'all' | (string & {});
  /**
   * The logoff request that releases the licence. Jim2's logoff page is not public, so this is a guess
   * you can correct: `path` is relative to `baseUrl`, the access token goes in `Authorization: Bearer`.
   * `false` only forgets locally. @default { path: 'api/v1/logoff', method: 'POST' }
   */
  logoff?:
    | {
        /** The logoff page, relative to `baseUrl`. @default 'api/v1/logoff' */
        path?: string;
        /** Its HTTP method. @default 'POST' */
        method?: string;
      }
    | false;
  /**
   * Where the client credentials go. Jim2 takes either. @default 'body'. Body fields are form-decoded by
   * every server; the secret is a human password and may hold `:` or `%`, which Basic cannot carry
   * safely when the server does not form-decode (OWIN's `TryGetBasicCredentials` does not, inferred).
   * `'basic'` sends them raw, like the vendor's C# sample.
   */
  clientAuth?: 'body' | 'basic';
} & ClientSecretInput;

const JIM2_KEYS = inputKeys<Jim2Input>({ baseUrl: true, clientId: true, clientSecret: true, secret: true, scope: true, logoff: true, clientAuth: true });

/**
 * Jim2's default logoff guess, relative to the site base: the vendor does not publish its logoff page.
 *
 * @example
 * ```ts
 * import { jim2, JIM2_DEFAULT_LOGOFF } from 'tokenward/profiles';
 *
 * // Same page, another method, for a site whose logoff answers only DELETE.
 * const options = jim2({ baseUrl: 'http://jim2.local/Jim_Test/', clientId: 'TestClientId', clientSecret, logoff: { ...JIM2_DEFAULT_LOGOFF, method: 'DELETE' } });
 * ```
 */
export const JIM2_DEFAULT_LOGOFF = Object.freeze({
  /** Relative to `baseUrl`. */
  path: 'api/v1/logoff',
  /** The HTTP method. */
  method: 'POST',
});

/**
 * Whether a token-endpoint error is Jim2's "no licence free". The body is not documented, so this
 * looks for "licence"/"license" in the error, its description and the (redacted) body excerpt.
 *
 * @example
 * ```ts
 * import { isTokenwardError } from 'tokenward';
 * import { isJim2NoLicence } from 'tokenward/profiles';
 *
 * try {
 *   await tm.getToken();
 * } catch (err) {
 *   // Every Jim2 user licence is taken: wait for a session to end (or log off a crashed service's).
 *   if (isTokenwardError(err) && isJim2NoLicence(err)) log.warn('no Jim2 licence free');
 *   else throw err;
 * }
 * ```
 */
export function isJim2NoLicence(err: TokenwardError): boolean {
  const text = [err.error, err.errorDescription, err.bodyExcerpt].filter((s) => s !== undefined).join(' ');
  return /licen[cs]e/i.test(text);
}

/**
 * `TokenManager` options for Jim2Server.
 *
 * Encodes: the token URL under the site path (`{base}token`); credentials in the body; no background
 * refresh (a live refresh token holds a paid licence, so an idle process must let it lapse); a logoff
 * request that releases the licence; "no licence free" as {@link ErrorCode.NO_LICENCE}, never retried.
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 * import { jim2 } from 'tokenward/profiles';
 *
 * const tm = new TokenManager(jim2({ baseUrl: 'http://jim2.local/Jim_Test/', clientId: 'TestClientId', clientSecret: process.env.JIM2_SECRET!, scope: 'view' }));
 * const res = await tm.fetch('api/v1/cardfilecreate', { method: 'POST', body: '{}' });
 * await tm.logoff(); // releases the licence (with scope 'all')
 * ```
 * @throws {ConfigError} naming the missing or malformed input.
 */
export function jim2(input: Jim2Input, overrides?: ProfileOverrides): TokenManagerOptions {
  requireObject('jim2', input);
  checkInput('jim2', input, JIM2_KEYS);
  const base = siteBase('jim2', 'baseUrl', input.baseUrl);
  const clientId = requireString('jim2', 'clientId', input.clientId);
  const clientSecret = clientSecretOf('jim2', input);
  const scope = optionalString('jim2', 'scope', input.scope);
  const clientAuth = input.clientAuth ?? 'body';
  if (clientAuth !== 'body' && clientAuth !== 'basic')
    throw new ConfigError(`jim2(): option \`clientAuth\` must be "body" or "basic", got ${JSON.stringify(clientAuth)}`);
  let logoff: TokenManagerOptions['logoff'] = false;
  if (input.logoff !== false) {
    if (input.logoff !== undefined && (typeof input.logoff !== 'object' || input.logoff === null)) {
      throw new ConfigError('jim2(): option `logoff` must be { path?, method? } or false');
    }
    if (input.logoff !== undefined) checkInput('jim2', input.logoff, ['path', 'method'], 'logoff');
    const path = optionalString('jim2', 'logoff.path', input.logoff?.path) ?? JIM2_DEFAULT_LOGOFF.path;
    const method = optionalString('jim2', 'logoff.method', input.logoff?.method) ?? JIM2_DEFAULT_LOGOFF.method;
    if (!/^[A-Za-z]+$/.test(method)) throw new ConfigError(`jim2(): option \`logoff.method\` must be an HTTP method, got ${JSON.stringify(method)}`);
    logoff = { style: 'bearer', url: /^[a-z][a-z\d+.-]*:/i.test(path) ? path : under(base, path), method: method.toUpperCase() };
  }
  return withOverrides(
    {
      tokenUrl: under(base, 'token'),
      baseUrl: base.href,
      clientId,
      clientSecret,
      grant: 'client_credentials',
      clientAuth,
      // The vendor's C# sample base64-encodes "TestClientId:password" as is.
      ...(clientAuth === 'basic' ? { basicEncoding: 'none' as const } : {}),
      ...(scope !== undefined ? { scope } : {}),
      // A background refresh would keep the licensed session (and its seat) alive forever.
      proactive: false,
      logoff,
      mapError: (err) => (isJim2NoLicence(err) ? ErrorCode.NO_LICENCE : undefined),
    },
    overrides,
  );
}
