/**
 * InfoLink, as seed 002 ("OAuth 2.0 Authentication") describes it.
 *
 * - `POST http://<host>/api/v1/oauth2/token`, form-encoded, credentials in the body:
 *   `grant_type=client_credentials&client_id=…&client_secret=…`;
 *   `grant_type=password&client_id=…&client_secret=…&username=john%40company.com&password=mypassword`;
 *   `grant_type=refresh_token&refresh_token=…` (the page sends no client credentials with it).
 * - Answers `{"access_token":…,"refresh_token":…,"token_type":"Bearer","expires_in":1800}` for every grant;
 *   tokens are UUIDs. The refresh sample (`75168ca1-…` → `c5b8d97d-…`) is replayed verbatim.
 * - An expired refresh token: `{"error_description":"Credentials or token is invalid or expired","error":"invalid_grant"}`.
 * - API calls are JSON POSTs with the bearer header (`POST /api/v1/executeJob`); an expired or invalid
 *   access token gets the envelope `{"result":{"code":"invalid_grant","message":…},"status":"error"}`.
 *   Its HTTP status is not documented: `expiredTokenStatus` picks it (default 200, the hard case,
 *   since every InfoLink answer uses the envelope).
 * - No logoff endpoint.
 *
 * Not documented, chosen here: token-endpoint errors use status 400; a token request without client
 * credentials in the body (a Basic header is ignored) gets 401 with the envelope and code
 * `invalid_client`, the shape every other InfoLink error has.
 */
import { HttpResponse, http } from 'msw';
import { bearerToken, formFields, type LoggedRequest, logRequest, rawJson, type SeedServer, TokenBook } from './common.js';

export const INFOLINK_BASE = 'http://infolink.example';
export const INFOLINK_CLIENT_ID = '9605c5d5-2a1b-49cc-8aaa-b350ee9d86b6';
export const INFOLINK_CLIENT_SECRET = 'eebb17b2-9ce4-4c73-a23f-d23739bf99b4';
export const INFOLINK_USERNAME = 'john@company.com';
export const INFOLINK_PASSWORD = 'mypassword';
/** The refresh token the page's refresh sample sends. */
export const INFOLINK_SAMPLE_REFRESH_TOKEN = '75168ca1-d5ac-4bda-a943-0d3906710d14';
/** The page's answer to that refresh. */
export const INFOLINK_REFRESH_ANSWER =
  '{"access_token":"c5b8d97d-768c-4c21-b8d5-995560b8bde7","refresh_token":"1a47224c-9a59-49df-83cf-1d79cf2dc738","token_type":"Bearer","expires_in":1800}';
/** The page's answer to an expired refresh token (standard OAuth shape, keys in this order). */
export const INFOLINK_REFRESH_EXPIRED_ANSWER = '{"error_description":"Credentials or token is invalid or expired","error":"invalid_grant"}';
/** The page's answer to an expired or invalid access token (InfoLink's envelope). */
export const INFOLINK_TOKEN_EXPIRED_ANSWER = '{"result":{"code":"invalid_grant","message":"Credentials or token is invalid or expired"},"status":"error"}';
/** Undocumented: the envelope for a token request without (valid) client credentials. */
export const INFOLINK_INVALID_CLIENT_ANSWER = '{"result":{"code":"invalid_client","message":"Client authentication failed"},"status":"error"}';

/** Options of {@link infolinkServer}. */
export interface InfoLinkOptions {
  /** @default 'http://infolink.example' */
  base?: string;
  /** HTTP status of the envelope sent for an expired access token on an API call. @default 200 */
  expiredTokenStatus?: number;
  /** Access-token lifetime, seconds. @default 1800 */
  expiresIn?: number;
  /** Refresh-token lifetime, seconds (undocumented). @default 86400 */
  refreshExpiresIn?: number;
}

/** URLs of an InfoLink mock. */
export interface InfoLinkUrls {
  base: string;
  token: string;
  /** `POST` JSON with the bearer token. */
  executeJob: string;
}

/** Builds the InfoLink mock. */
export function infolinkServer(options: InfoLinkOptions = {}): SeedServer<InfoLinkUrls> {
  const base = new URL(options.base ?? INFOLINK_BASE);
  const urls: InfoLinkUrls = {
    base: base.origin,
    token: new URL('/api/v1/oauth2/token', base).href,
    executeJob: new URL('/api/v1/executeJob', base).href,
  };
  const expiresIn = options.expiresIn ?? 1800;
  const refreshExpiresIn = options.refreshExpiresIn ?? 86_400;
  const requests: LoggedRequest[] = [];
  const tokens = new TokenBook();
  // The page's sample refresh token exists on this server, so the sample request can be replayed.
  tokens.issue(INFOLINK_SAMPLE_REFRESH_TOKEN, 'refresh', refreshExpiresIn);

  const uuid = (prefix: string) => {
    const n = tokens.next(prefix).split('-').pop()!;
    return `${prefix === 'at' ? 'a' : 'b'}0000000-0000-4000-8000-${n.padStart(12, '0')}`;
  };
  const issue = (sample?: string) => {
    const text = sample ?? JSON.stringify({ access_token: uuid('at'), refresh_token: uuid('rt'), token_type: 'Bearer', expires_in: expiresIn });
    const parsed = JSON.parse(text) as { access_token: string; refresh_token: string };
    tokens.issue(parsed.access_token, 'access', expiresIn);
    tokens.issue(parsed.refresh_token, 'refresh', refreshExpiresIn);
    return rawJson(text);
  };

  const handlers = [
    http.post(urls.token, async ({ request }) => {
      const entry = await logRequest(requests, request);
      const f = formFields(entry);
      if (f.grant_type === 'refresh_token') {
        const rt = f.refresh_token;
        if (tokens.status(rt, 'refresh') !== 'valid') return rawJson(INFOLINK_REFRESH_EXPIRED_ANSWER, 400);
        tokens.revoke(rt!);
        return issue(rt === INFOLINK_SAMPLE_REFRESH_TOKEN ? INFOLINK_REFRESH_ANSWER : undefined);
      }
      if (f.client_id !== INFOLINK_CLIENT_ID || f.client_secret !== INFOLINK_CLIENT_SECRET) return rawJson(INFOLINK_INVALID_CLIENT_ANSWER, 401);
      if (f.grant_type === 'client_credentials') return issue();
      if (f.grant_type === 'password') {
        if (f.username !== INFOLINK_USERNAME || f.password !== INFOLINK_PASSWORD) return rawJson(INFOLINK_TOKEN_EXPIRED_ANSWER, 400);
        return issue();
      }
      return rawJson('{"result":{"code":"unsupported_grant_type","message":"Unsupported grant type"},"status":"error"}', 400);
    }),

    http.post(urls.executeJob, async ({ request }) => {
      const entry = await logRequest(requests, request);
      if (tokens.status(bearerToken(entry), 'access') !== 'valid') return rawJson(INFOLINK_TOKEN_EXPIRED_ANSWER, options.expiredTokenStatus ?? 200);
      return HttpResponse.json({ result: { jobId: 42, output: 'LoadData finished' }, status: 'success' });
    }),
  ];

  return { handlers, requests, tokens, urls, tokenRequests: () => requests.filter((r) => r.url === urls.token) };
}
