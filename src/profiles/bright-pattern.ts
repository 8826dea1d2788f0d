/**
 * Bright Pattern Contact Center configuration APIs.
 * @module
 */
import { ConfigError } from '../errors.js';
import type { TokenManagerOptions } from '../options.js';
import {
  type ClientSecretInput,
  checkInput,
  clientSecretOf,
  inputKeys,
  type ProfileOverrides,
  requireObject,
  requireString,
  siteBase,
  under,
  withOverrides,
} from './shared.js';

/**
 * What a Bright Pattern admin gives you. The secret, `clientSecret`, is the API secret generated with
 * "Generate" on the user's page in Contact Center Administrator (`secret` is its deprecated name, still
 * accepted).
 *
 * @example
 * ```ts
 * import { brightPattern, type BrightPatternInput } from 'tokenward/profiles';
 *
 * const input: BrightPatternInput = { tenantHost: 'acme.brightpattern.com', clientId: 'sheila.thomas', clientSecret, baseUrl: 'https://acme.brightpattern.com:8443/' };
 * const options = brightPattern(input);
 * ```
 */
export type BrightPatternInput = {
  /** The tenant's host name, `acme.brightpattern.com`: it is the token request's `scope`, and the default host. */
  tenantHost: string;
  /** The user's login id (Bright Pattern's `client_id` is a user name). */
  clientId: string;
  /** Where the APIs live when not at `https://{tenantHost}/` (the host-and-services variant adds a port). */
  baseUrl?: string | URL;
} & ClientSecretInput;

const BRIGHT_PATTERN_KEYS = inputKeys<BrightPatternInput>({ tenantHost: true, clientId: true, clientSecret: true, secret: true, baseUrl: true });

/** A DNS host name, optionally with a port: no scheme, path, spaces or credentials. */
const HOST = /^(?=.{1,253}(?::\d{1,5})?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;

/**
 * `TokenManager` options for Bright Pattern.
 *
 * Encodes: `POST {base}configapi/v2/oauth/token` with credentials in the body; `scope` is the tenant
 * host name, sent as one value and never split into a scope list; `expires_in` arrives as a string and
 * the answer has a trailing comma (the core reads both); no refresh token, so renewal is a new grant;
 * no logoff.
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 * import { brightPattern } from 'tokenward/profiles';
 *
 * const tm = new TokenManager(brightPattern({ tenantHost: 'acme.brightpattern.com', clientId: 'sheila.thomas', clientSecret: process.env.BP_SECRET! }));
 * const users = await (await tm.fetch('/configapi/v2/user')).json();
 * ```
 * @throws {ConfigError} naming the missing or malformed input.
 */
export function brightPattern(input: BrightPatternInput, overrides?: ProfileOverrides): TokenManagerOptions {
  requireObject('brightPattern', input);
  checkInput('brightPattern', input, BRIGHT_PATTERN_KEYS);
  const tenantHost = requireString('brightPattern', 'tenantHost', input.tenantHost);
  if (!HOST.test(tenantHost)) {
    const hint = /^[a-z]+:\/\//i.test(tenantHost) ? ` (the host name alone, e.g. ${JSON.stringify(safeHost(tenantHost))}; a URL goes in \`baseUrl\`)` : '';
    throw new ConfigError(
      `brightPattern(): option \`tenantHost\` must be a host name such as "acme.brightpattern.com", got ${JSON.stringify(tenantHost)}${hint}`,
    );
  }
  const base = siteBase('brightPattern', 'baseUrl', input.baseUrl ?? `https://${tenantHost}/`);
  return withOverrides(
    {
      tokenUrl: under(base, 'configapi/v2/oauth/token'),
      baseUrl: base.href,
      clientId: requireString('brightPattern', 'clientId', input.clientId),
      clientSecret: clientSecretOf('brightPattern', input),
      grant: 'client_credentials',
      clientAuth: 'body',
      // A string is sent as is: the host name is one value, not a space-separated scope list.
      scope: tenantHost.replace(/:\d+$/, ''),
      logoff: false,
    },
    overrides,
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return 'acme.brightpattern.com';
  }
}
