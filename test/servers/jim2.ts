/**
 * Jim2 Business Engine Web API (Jim2Server, Happen Business), as seed 000 describes it.
 *
 * - `POST {base}/token`, where the base carries a site path (`http://localhost:80/Jim_Test/token`),
 *   plain http in the vendor's sample.
 * - `grant_type=client_credentials`, form-encoded. Credentials "may be passed within the request body
 *   (client_id and client_secret) or using HTTP Basic". The secret is the user cardfile's password.
 * - `scope=view`: read-only, no licence taken. No scope (default `all`) or `all` takes a user licence;
 *   "Authentication will also fail if there are no available licences (unless only scope view)".
 * - The refresh token lives 20 minutes, extended by each new access token; while it is valid a
 *   licensed session is held, so a caller must log off to release the licence.
 * - The logoff page is not public: its path and method are options here (default `POST {base}/api/v1/logoff`
 *   with the bearer token).
 *
 * Not documented, chosen as an OWIN server would answer (research note): a success body
 * `{"access_token":…,"token_type":"bearer","expires_in":1199,"refresh_token":…}`, errors as RFC 6749
 * JSON with status 400, API 401s as ASP.NET's `{"Message":"Authorization has been denied for this request."}`.
 */
import { HttpResponse, http } from 'msw';
import { basicCredentials, bearerToken, formFields, type LoggedRequest, logRequest, rawJson, type SeedServer, TokenBook } from './common.js';

/** The vendor sample's credentials: `"TestClientId:password"`. */
export const JIM2_CLIENT_ID = 'TestClientId';
export const JIM2_CLIENT_SECRET = 'password';
/** The vendor sample's site: `http://localhost:80/Jim_Test/token`. */
export const JIM2_BASE = 'http://localhost:80/Jim_Test';

/** The "no licence free" answer. Its body is undocumented; this is the shape an OWIN server would send. */
export const JIM2_NO_LICENCE_BODY = '{"error":"invalid_grant","error_description":"No user licences are available"}';
/** ASP.NET Web API's answer to a request without a valid bearer token. */
export const ASPNET_DENIED_BODY = '{"Message":"Authorization has been denied for this request."}';

/** Options of {@link jim2Server}. */
export interface Jim2Options {
  /** Site base, with its path. @default 'http://localhost:80/Jim_Test' */
  base?: string;
  clientId?: string;
  clientSecret?: string;
  /** User licences free for `all`-scoped sessions. @default 1 */
  licences?: number;
  /** Access token lifetime, seconds. Undocumented. @default 1199 */
  expiresIn?: number;
  /** Refresh token (and licensed session) lifetime, seconds. @default 1200 (20 minutes) */
  refreshExpiresIn?: number;
  /** The logoff page, relative to the base. @default { path: 'api/v1/logoff', method: 'POST' } */
  logoff?: { path: string; method: 'POST' | 'GET' | 'DELETE' | 'PUT' };
  /** Accept `grant_type=refresh_token` (the page only names client_credentials). @default true */
  acceptRefresh?: boolean;
}

/** URLs of a Jim2 mock. */
export interface Jim2Urls {
  base: string;
  token: string;
  /** An API call (`POST {base}/api/v1/cardfilecreate`, JSON in, JSON out). */
  api: string;
  logoff: string;
  logoffMethod: string;
}

/** A Jim2 mock with its licence count exposed. */
export interface Jim2Server extends SeedServer<Jim2Urls> {
  /** Licences currently free. */
  freeLicences(): number;
}

/** Builds the Jim2Server mock. */
export function jim2Server(options: Jim2Options = {}): Jim2Server {
  const base = new URL(`${(options.base ?? JIM2_BASE).replace(/\/+$/, '')}/`);
  const clientId = options.clientId ?? JIM2_CLIENT_ID;
  const clientSecret = options.clientSecret ?? JIM2_CLIENT_SECRET;
  const expiresIn = options.expiresIn ?? 1199;
  const refreshExpiresIn = options.refreshExpiresIn ?? 1200;
  const logoff = options.logoff ?? { path: 'api/v1/logoff', method: 'POST' as const };
  const urls: Jim2Urls = {
    base: base.href,
    token: new URL('token', base).href,
    api: new URL('api/v1/cardfilecreate', base).href,
    logoff: new URL(logoff.path, base).href,
    logoffMethod: logoff.method,
  };
  const requests: LoggedRequest[] = [];
  const tokens = new TokenBook();
  let licences = options.licences ?? 1;
  /** Licensed sessions by refresh token; a session ends at logoff or when its refresh token expires. */
  const sessions = new Map<string, { licensed: boolean; refreshExpiresAt: number }>();

  const releaseExpired = () => {
    for (const [rt, s] of sessions) {
      if (Date.now() >= s.refreshExpiresAt || tokens.status(rt, 'refresh') === 'revoked') {
        if (s.licensed) licences += 1;
        sessions.delete(rt);
      }
    }
  };
  const oauthError = (error: string, description: string, status = 400) => rawJson(JSON.stringify({ error, error_description: description }), status);
  const issue = (licensed: boolean, scope: string, session?: string) => {
    const access = tokens.next('jim2-at');
    const refresh = session ?? tokens.next('jim2-rt');
    tokens.issue(access, 'access', expiresIn, { scope, session: refresh });
    // "can be extended by requesting a new access token": the same session, its clock reset.
    if (session === undefined) tokens.issue(refresh, 'refresh', refreshExpiresIn, { scope });
    sessions.set(refresh, { licensed, refreshExpiresAt: Date.now() + refreshExpiresIn * 1000 });
    return rawJson(JSON.stringify({ access_token: access, token_type: 'bearer', expires_in: expiresIn, refresh_token: refresh }));
  };

  const handlers = [
    http.post(urls.token, async ({ request }) => {
      const entry = await logRequest(requests, request);
      releaseExpired();
      if (!/application\/x-www-form-urlencoded/i.test(entry.headers['content-type'] ?? '')) {
        return oauthError('unsupported_grant_type', 'The request must be form encoded');
      }
      const f = formFields(entry);
      const basic = basicCredentials(entry);
      const id = basic?.id ?? f.client_id;
      const secret = basic?.secret ?? f.client_secret;
      if (id !== clientId || secret !== clientSecret) return oauthError('invalid_client', 'The client credentials are invalid');
      if (f.grant_type === 'refresh_token' && options.acceptRefresh !== false) {
        const rt = f.refresh_token;
        if (tokens.status(rt, 'refresh') !== 'valid' || !sessions.has(rt!)) return oauthError('invalid_grant', 'The refresh token is invalid or expired');
        // Extends the session: the refresh token's own expiry moves on too.
        tokens.issue(rt!, 'refresh', refreshExpiresIn, tokens.meta(rt!) ?? {});
        return issue(sessions.get(rt!)!.licensed, String(tokens.meta(rt!)?.scope ?? 'all'), rt);
      }
      if (f.grant_type !== 'client_credentials') return oauthError('unsupported_grant_type', `grant_type ${f.grant_type ?? '(none)'} is not supported`);
      const scope = f.scope ?? 'all';
      const licensed = scope.split(' ').some((s) => s !== 'view');
      if (licensed) {
        if (licences <= 0) return rawJson(JIM2_NO_LICENCE_BODY, 400);
        licences -= 1;
      }
      return issue(licensed, scope);
    }),

    http.post(urls.api, async ({ request }) => {
      const entry = await logRequest(requests, request);
      if (tokens.status(bearerToken(entry), 'access') !== 'valid') return rawJson(ASPNET_DENIED_BODY, 401);
      const scope = String(tokens.meta(bearerToken(entry)!)?.scope ?? 'all');
      if (scope === 'view') return rawJson('{"Message":"Scope view is read-only"}', 403);
      return HttpResponse.json({ CardFileNo: 1001, Success: true });
    }),

    http[logoff.method.toLowerCase() as 'post'](urls.logoff, async ({ request }) => {
      const entry = await logRequest(requests, request);
      const at = bearerToken(entry);
      if (tokens.status(at, 'access') !== 'valid') return rawJson(ASPNET_DENIED_BODY, 401);
      const session = String(tokens.meta(at!)?.session);
      const s = sessions.get(session);
      if (s) {
        if (s.licensed) licences += 1;
        sessions.delete(session);
      }
      tokens.revoke(session);
      for (const value of tokens.valid('access')) if (tokens.meta(value)?.session === session) tokens.revoke(value);
      return new HttpResponse(null, { status: 200 });
    }),
  ];

  return {
    handlers,
    requests,
    tokens,
    urls,
    tokenRequests: () => requests.filter((r) => r.url === urls.token),
    freeLicences: () => {
      releaseExpired();
      return licences;
    },
  };
}
