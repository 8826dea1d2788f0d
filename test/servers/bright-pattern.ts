/**
 * Bright Pattern Contact Center configuration APIs, as seed 003 ("Request Access Token") describes it.
 *
 * - `POST http[s]://<host>/configapi/v2/oauth/token`, form-encoded:
 *   `grant_type=client_credentials&client_id=clientid&client_secret=qkDw…&scope=example.com`.
 *   All four are required; `scope` is the tenant host name (another page of the same docs sends
 *   `tenant=` instead, accepted too).
 * - The answer, as printed: `"expires_in":"3599"` as a string, a trailing comma before `}`, a JWT access
 *   token, `token_type` `Bearer` only. It is sent byte for byte on the first grant; later grants mint a
 *   real (unsigned) JWT in the same layout so end-to-end tests can tell tokens apart.
 * - No refresh token, no logoff. API: `GET /data` with `Authorization: Bearer …` (the page's example).
 *
 * Not documented, chosen here: errors are RFC 6749 JSON with status 400 (invalid_client: 401).
 */
import { HttpResponse, http } from 'msw';
import { bearerToken, fakeJwt, formFields, type LoggedRequest, logRequest, rawJson, type SeedServer, TokenBook } from './common.js';

export const BRIGHT_PATTERN_BASE = 'https://example.com';
/** The request sample's client id (the parameter table's example is `sheila.thomas`). */
export const BRIGHT_PATTERN_CLIENT_ID = 'clientid';
export const BRIGHT_PATTERN_CLIENT_SECRET = 'qkDwDJlDfig2IpeuUZYKH1Wb8q1V0ju6sILxQQqhJ';
export const BRIGHT_PATTERN_SCOPE = 'example.com';
/** The page's example response, whitespace and trailing comma as printed. */
export const BRIGHT_PATTERN_ANSWER = `{
"access_token":"eyJhbGciOiJSUzI1NiI5q9Jgt...6HznsvPWy7UP3MINA",
"token_type":"Bearer",
"expires_in":"3599",
}`;
export const BRIGHT_PATTERN_SAMPLE_TOKEN = 'eyJhbGciOiJSUzI1NiI5q9Jgt...6HznsvPWy7UP3MINA';

/** Options of {@link brightPatternServer}. */
export interface BrightPatternOptions {
  /** @default 'https://example.com' */
  base?: string;
  /** Accepted logins: client id → API secret. @default { clientid: 'qkDw…', 'sheila.thomas': 'qkDw…' } */
  users?: Record<string, string>;
  /** The tenant host name expected in `scope`. @default 'example.com' */
  tenant?: string;
}

/** URLs of a Bright Pattern mock. */
export interface BrightPatternUrls {
  base: string;
  token: string;
  /** `GET` with the bearer token (the page's "Authenticated API Request Example"). */
  data: string;
}

/** Builds the Bright Pattern mock. */
export function brightPatternServer(options: BrightPatternOptions = {}): SeedServer<BrightPatternUrls> {
  const base = new URL(options.base ?? BRIGHT_PATTERN_BASE);
  const urls: BrightPatternUrls = {
    base: base.origin,
    token: new URL('/configapi/v2/oauth/token', base).href,
    data: new URL('/data', base).href,
  };
  const users = options.users ?? { [BRIGHT_PATTERN_CLIENT_ID]: BRIGHT_PATTERN_CLIENT_SECRET, 'sheila.thomas': BRIGHT_PATTERN_CLIENT_SECRET };
  const tenant = options.tenant ?? BRIGHT_PATTERN_SCOPE;
  const requests: LoggedRequest[] = [];
  const tokens = new TokenBook();
  let grants = 0;

  const oauthError = (error: string, description: string, status = 400) => rawJson(JSON.stringify({ error, error_description: description }), status);

  const handlers = [
    http.post(urls.token, async ({ request }) => {
      const entry = await logRequest(requests, request);
      const f = formFields(entry);
      if (f.grant_type !== 'client_credentials') return oauthError('unsupported_grant_type', 'The value must be client_credentials');
      if (!f.client_id || users[f.client_id] === undefined || users[f.client_id] !== f.client_secret)
        return oauthError('invalid_client', 'Invalid client_id or client_secret', 401);
      const scope = f.scope ?? f.tenant;
      if (!scope) return oauthError('invalid_request', 'scope is required');
      if (scope !== tenant) return oauthError('invalid_scope', `Unknown tenant ${scope}`);
      grants += 1;
      if (grants === 1) {
        tokens.issue(BRIGHT_PATTERN_SAMPLE_TOKEN, 'access', 3599, { sub: f.client_id });
        return rawJson(BRIGHT_PATTERN_ANSWER);
      }
      const now = Math.floor(Date.now() / 1000);
      const jwt = fakeJwt({ sub: f.client_id, tenant, iat: now, exp: now + 3599, jti: tokens.next('bp') });
      tokens.issue(jwt, 'access', 3599, { sub: f.client_id });
      return rawJson(`{\n"access_token":"${jwt}",\n"token_type":"Bearer",\n"expires_in":"3599",\n}`);
    }),

    http.get(urls.data, async ({ request }) => {
      const entry = await logRequest(requests, request);
      if (tokens.status(bearerToken(entry), 'access') !== 'valid') {
        return new HttpResponse('Unauthorized', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'text/plain' } });
      }
      return HttpResponse.json({ tenant, items: [] });
    }),
  ];

  return { handlers, requests, tokens, urls, tokenRequests: () => requests.filter((r) => r.url === urls.token) };
}
