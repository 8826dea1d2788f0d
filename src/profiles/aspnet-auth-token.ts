/**
 * An ASP.NET Web API 2 `api/v1/auth/token` facade (Swagger `TokenRequest` model, probably in front of
 * Keycloak). Its published deployment is DealDirect's API.
 * @module
 */
import { ConfigError } from '../errors.js';
import type { TokenManagerOptions } from '../options.js';
import { checkInput, inputKeys, optionalString, type ProfileOverrides, requireObject, requireString, siteBase, under, withOverrides } from './shared.js';

/**
 * What the API's owner gives you.
 *
 * @example
 * ```ts
 * import { aspnetAuthToken, type AspNetAuthTokenInput } from 'tokenward/profiles';
 *
 * const input: AspNetAuthTokenInput = { baseUrl: 'https://api.example.com/', clientId: 'portal', clientSecret, username: 'jan.novak', password };
 * const options = aspnetAuthToken(input);
 * ```
 */
export interface AspNetAuthTokenInput {
  /** The API base: `https://api.example.com/` (the token endpoint is `{base}api/v1/auth/token`). */
  baseUrl: string | URL;
  /** The client, sent in the JSON body. */
  clientId?: string;
  /** The client's secret, sent in the JSON body. */
  clientSecret?: string;
  /** A user for the password grant; without one the grant is client_credentials. */
  username?: string;
  /** The user's password, with `username`. Never logged. */
  password?: string;
  /** Sent as is. */
  scope?: string;
  /**
   * The model's `WindowsAuthentication` flag, sent as a JSON boolean. `true` presumably asks the server
   * to use the caller's Windows identity (NTLM/Kerberos), which a Node fetch cannot supply. @default false
   */
  windowsAuthentication?: boolean;
  /** The token endpoint path under `baseUrl`. @default 'api/v1/auth/token' */
  tokenPath?: string;
}

const ASPNET_KEYS = inputKeys<AspNetAuthTokenInput>({
  baseUrl: true,
  clientId: true,
  clientSecret: true,
  username: true,
  password: true,
  scope: true,
  windowsAuthentication: true,
  tokenPath: true,
});

/**
 * `TokenManager` options for the ASP.NET `api/v1/auth/token` facade.
 *
 * Encodes: a JSON body with typed values (`"WindowsAuthentication": false`, not `"false"`);
 * `Accept: application/json` on every token request (else content negotiation answers XML; the core
 * always sends it and reads XML if it comes anyway); Keycloak-style extras kept in `token.raw`;
 * `refresh_expires_in` honoured, so a refresh that is already doomed is skipped for a fresh grant; no
 * logoff endpoint.
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 * import { aspnetAuthToken } from 'tokenward/profiles';
 *
 * const tm = new TokenManager(aspnetAuthToken({ baseUrl: 'https://api.example.com/', clientId: 'portal', clientSecret, username: 'jan.novak', password }));
 * const me = await (await tm.fetch('api/v1/users/me')).json();
 * (await tm.getToken()).raw.session_state; // Keycloak extras are kept
 * ```
 * @throws {ConfigError} naming the missing or malformed input.
 */
export function aspnetAuthToken(input: AspNetAuthTokenInput, overrides?: ProfileOverrides): TokenManagerOptions {
  requireObject('aspnetAuthToken', input);
  checkInput('aspnetAuthToken', input, ASPNET_KEYS);
  const base = siteBase('aspnetAuthToken', 'baseUrl', input.baseUrl);
  const clientId = optionalString('aspnetAuthToken', 'clientId', input.clientId);
  const clientSecret = optionalString('aspnetAuthToken', 'clientSecret', input.clientSecret, true);
  const user = input.username !== undefined || input.password !== undefined;
  if (!user && clientId === undefined) {
    throw new ConfigError('aspnetAuthToken(): needs `clientId` (client_credentials) or `username` and `password` (password grant)');
  }
  if (clientSecret !== undefined && clientId === undefined) {
    throw new ConfigError('aspnetAuthToken(): `clientSecret` needs `clientId`');
  }
  const windows = input.windowsAuthentication ?? false;
  if (typeof windows !== 'boolean')
    throw new ConfigError(`aspnetAuthToken(): option \`windowsAuthentication\` must be a boolean, got ${JSON.stringify(windows)}`);
  const scope = optionalString('aspnetAuthToken', 'scope', input.scope);
  const tokenPath = optionalString('aspnetAuthToken', 'tokenPath', input.tokenPath) ?? 'api/v1/auth/token';
  return withOverrides(
    {
      tokenUrl: under(base, tokenPath),
      baseUrl: base.href,
      ...(clientId !== undefined ? { clientId, clientAuth: 'body' as const } : {}),
      ...(clientSecret !== undefined ? { clientSecret } : {}),
      ...(user
        ? {
            grant: 'password' as const,
            username: requireString('aspnetAuthToken', 'username', input.username),
            password: requireString('aspnetAuthToken', 'password', input.password, true),
          }
        : { grant: 'client_credentials' as const }),
      ...(scope !== undefined ? { scope } : {}),
      bodyFormat: 'json',
      params: { WindowsAuthentication: windows },
      logoff: false,
    },
    overrides,
  );
}
