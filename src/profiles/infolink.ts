/**
 * InfoLink (infolinkcloud.com; also inside Precisely EnterWorks): seed 002.
 * @module
 */
import type { TokenManagerOptions } from '../options.js';
import { defaultIsAuthFailure } from '../auth-fetch.js';
import { requireObject, requireString, siteBase, under, withOverrides, type ProfileOverrides } from './shared.js';

/** What an InfoLink admin gives you (Configuration → Clients). */
export interface InfoLinkInput {
  /** The InfoLink server: `https://infolink.example.com/` (a Tomcat context path is fine). */
  baseUrl: string | URL;
  clientId: string;
  clientSecret: string;
  /** For the password grant (which also needs the client id and secret); else client_credentials. */
  username?: string;
  password?: string;
}

/** An error envelope is small; a bigger body is a real answer and is not read. */
const MAX_ENVELOPE_BYTES = 64 * 1024;

/**
 * InfoLink's "token rejected": a 401, `WWW-Authenticate: … invalid_token`, or the product's error
 * envelope `{"result":{"code":"invalid_grant",…},"status":"error"}`, which may come with HTTP 200 since
 * every InfoLink answer uses it. Reads a clone of JSON bodies only, so the caller still gets the body.
 */
export async function isInfoLinkAuthFailure(response: Response): Promise<boolean> {
  if (defaultIsAuthFailure(response)) return true;
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return false;
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_ENVELOPE_BYTES) return false;
  try {
    const body = JSON.parse(await response.clone().text()) as { status?: unknown; result?: { code?: unknown } };
    return body?.status === 'error' && (body.result?.code === 'invalid_grant' || body.result?.code === 'invalid_token');
  } catch {
    return false;
  }
}

/**
 * `TokenManager` options for InfoLink.
 *
 * Encodes: `POST {base}api/v1/oauth2/token` with credentials in the body; refresh with only
 * `grant_type` and `refresh_token`, as the docs' example sends it (an expired refresh token falls back
 * to the original grant); {@link isInfoLinkAuthFailure} for API answers; no logoff endpoint, so
 * `logoff()` only forgets the tokens locally.
 *
 * @example
 * ```ts
 * const tm = new TokenManager(infolink({ baseUrl: 'https://infolink.example.com/', clientId, clientSecret }));
 * const res = await tm.fetch('api/v1/executeJob', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobName: 'LoadData' }) });
 * ```
 * @throws {ConfigError} naming the missing or malformed input.
 */
export function infolink(input: InfoLinkInput, overrides?: ProfileOverrides): TokenManagerOptions {
  requireObject('infolink', input);
  const base = siteBase('infolink', 'baseUrl', input.baseUrl);
  const clientId = requireString('infolink', 'clientId', input.clientId);
  const clientSecret = requireString('infolink', 'clientSecret', input.clientSecret, true);
  const user = input.username !== undefined || input.password !== undefined;
  return withOverrides(
    {
      tokenUrl: under(base, 'api/v1/oauth2/token'),
      baseUrl: base.href,
      clientId,
      clientSecret,
      clientAuth: 'body',
      ...(user
        ? { grant: 'password' as const, username: requireString('infolink', 'username', input.username), password: requireString('infolink', 'password', input.password, true) }
        : { grant: 'client_credentials' as const }),
      // The docs' refresh example carries no client credentials.
      refreshWithClientAuth: false,
      isAuthFailure: isInfoLinkAuthFailure,
      logoff: false,
    },
    overrides,
  );
}
