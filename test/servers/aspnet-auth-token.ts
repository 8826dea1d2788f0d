/**
 * An ASP.NET Web API 2 `POST api/v1/auth/token` facade (Swagger `IO.Swagger.Models`), probably in front
 * of Keycloak, as seed 004's Help Page describes it.
 *
 * - Request body `TokenRequest` as JSON (`application/json`, `text/json`) or XML (`application/xml`,
 *   `text/xml`); form-urlencoded has "Sample not available" but Web API binds it too. Fields:
 *   `WindowsAuthentication` (a **boolean**), `client_id`, `client_secret`, `scope`, `username`,
 *   `password`, `grant_type` (any string), `refresh_token`.
 * - Answer `AccessTokenResponse` with Keycloak-style extras: `refresh_expires_in`, `not_before_policy`
 *   (underscore), `session_state`, `scope`, and the custom `ip`, `is_editor`, `redirect_url`.
 * - Content negotiation: JSON when `Accept` names `application/json` or `text/json`, else the XML
 *   `<AccessTokenResponse xmlns=…>` (`format` forces one or the other).
 * - No logoff endpoint.
 *
 * `answers: 'documented'` replays the Help Page samples (`"sample string 1"`, `expires_in: 1`); the
 * default `'generated'` answers with realistic Keycloak values (JWT access token, 300 s, refresh 1800 s).
 * Not documented, chosen here: Keycloak's own errors pass through (`{"error":"invalid_grant",
 * "error_description":"Invalid user credentials"}`, 400/401); a body that does not bind gets Web API's
 * `{"Message":"The request is invalid."}` (400); API calls without a valid token get
 * `{"Message":"Authorization has been denied for this request."}` (401).
 */
import { XMLParser } from 'fast-xml-parser';
import { HttpResponse, http } from 'msw';
import { bearerToken, fakeJwt, type LoggedRequest, logRequest, rawJson, type SeedServer, TokenBook } from './common.js';

export const ASPNET_BASE = 'https://api.example.com';
/** The Help Page's request sample, as printed (JSON). */
export const ASPNET_SAMPLE_REQUEST = {
  WindowsAuthentication: true,
  client_id: 'sample string 2',
  client_secret: 'sample string 3',
  scope: 'sample string 4',
  username: 'sample string 5',
  password: 'sample string 6',
  grant_type: 'sample string 7',
  refresh_token: 'sample string 8',
} as const;
/** The Help Page's JSON response sample, as printed. */
export const ASPNET_JSON_ANSWER = `{
  "access_token": "sample string 1",
  "expires_in": 1,
  "redirect_url": "sample string 2",
  "ip": "sample string 3",
  "is_editor": true,
  "refresh_expires_in": 1,
  "refresh_token": "sample string 5",
  "token_type": "sample string 6",
  "not_before_policy": 1,
  "session_state": "sample string 7",
  "scope": "sample string 8"
}`;
/** The Help Page's XML response sample, as printed. */
export const ASPNET_XML_ANSWER =
  '<AccessTokenResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/IO.Swagger.Models"> <access_token>sample string 1</access_token> <expires_in>1</expires_in> <ip>sample string 3</ip> <is_editor>true</is_editor> <not_before_policy>1</not_before_policy> <redirect_url>sample string 2</redirect_url> <refresh_expires_in>1</refresh_expires_in> <refresh_token>sample string 5</refresh_token> <scope>sample string 8</scope> <session_state>sample string 7</session_state> <token_type>sample string 6</token_type> </AccessTokenResponse>';
export const ASPNET_DENIED = '{"Message":"Authorization has been denied for this request."}';

/** The fields of `AccessTokenResponse`, in the XML sample's (alphabetical, DataContract) order. */
const XML_ORDER = [
  'access_token',
  'expires_in',
  'ip',
  'is_editor',
  'not_before_policy',
  'redirect_url',
  'refresh_expires_in',
  'refresh_token',
  'scope',
  'session_state',
  'token_type',
];

/** Options of {@link aspnetAuthTokenServer}. */
export interface AspNetOptions {
  /** @default 'https://api.example.com' */
  base?: string;
  /** Replay the Help Page samples, or answer with realistic values. @default 'generated' */
  answers?: 'documented' | 'generated';
  /** Answer format. @default 'negotiate' (JSON only when Accept asks for it) */
  format?: 'negotiate' | 'json' | 'xml';
  /** Accepted clients: id → secret. @default the sample's `sample string 2` → `sample string 3` */
  clients?: Record<string, string>;
  /** Accepted users: name → password. @default the sample's `sample string 5` → `sample string 6` */
  users?: Record<string, string>;
  /** Access-token lifetime (generated answers), seconds. @default 300 */
  expiresIn?: number;
  /** Refresh-token lifetime (generated answers), seconds; 0 means "no expiry" as in Keycloak. @default 1800 */
  refreshExpiresIn?: number;
}

/** URLs of the seed 004 mock. */
export interface AspNetUrls {
  base: string;
  token: string;
  /** `GET` with the bearer token: the signed-in user's profile. */
  profile: string;
}

/** Builds the seed 004 mock. */
export function aspnetAuthTokenServer(options: AspNetOptions = {}): SeedServer<AspNetUrls> {
  const base = new URL(options.base ?? ASPNET_BASE);
  const urls: AspNetUrls = {
    base: base.origin,
    token: new URL('/api/v1/auth/token', base).href,
    profile: new URL('/api/v1/profile', base).href,
  };
  const clients = options.clients ?? { [ASPNET_SAMPLE_REQUEST.client_id]: ASPNET_SAMPLE_REQUEST.client_secret };
  const users = options.users ?? { [ASPNET_SAMPLE_REQUEST.username]: ASPNET_SAMPLE_REQUEST.password };
  const expiresIn = options.expiresIn ?? 300;
  const refreshExpiresIn = options.refreshExpiresIn ?? 1800;
  const requests: LoggedRequest[] = [];
  const tokens = new TokenBook();
  // The sample's refresh token exists, so the sample request (which carries one) can be replayed.
  tokens.issue(ASPNET_SAMPLE_REQUEST.refresh_token, 'refresh', 3600, { user: ASPNET_SAMPLE_REQUEST.username });
  const xml = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false });

  const invalid = () => rawJson('{"Message":"The request is invalid."}', 400);
  const keycloakError = (error: string, description: string, status = 400) => rawJson(JSON.stringify({ error, error_description: description }), status);

  const respond = (entry: LoggedRequest, fields: Record<string, unknown>, documentedXml?: string, documentedJson?: string) => {
    const accept = entry.headers.accept ?? '';
    const asJson = options.format === 'json' || (options.format !== 'xml' && /application\/json|text\/json/i.test(accept));
    if (asJson) return rawJson(documentedJson ?? JSON.stringify(fields));
    const body =
      documentedXml ??
      `<AccessTokenResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/IO.Swagger.Models">${XML_ORDER.filter(
        (k) => fields[k] !== undefined,
      )
        .map((k) => `<${k}>${String(fields[k])}</${k}>`)
        .join('')}</AccessTokenResponse>`;
    return new HttpResponse(body, { status: 200, headers: { 'content-type': 'application/xml; charset=utf-8' } });
  };

  const handlers = [
    http.post(urls.token, async ({ request }) => {
      const entry = await logRequest(requests, request);
      const type = (entry.headers['content-type'] ?? '').toLowerCase();
      let body: Record<string, unknown>;
      try {
        if (/application\/json|text\/json/.test(type)) body = JSON.parse(entry.body) as Record<string, unknown>;
        else if (/xml/.test(type)) body = (xml.parse(entry.body) as { TokenRequest: Record<string, unknown> }).TokenRequest;
        else if (/x-www-form-urlencoded/.test(type)) body = Object.fromEntries(new URLSearchParams(entry.body));
        else
          return new HttpResponse('{"Message":"The request entity\'s media type is not supported for this resource."}', {
            status: 415,
            headers: { 'content-type': 'application/json' },
          });
      } catch {
        return invalid();
      }
      // A JSON body binds WindowsAuthentication to a bool; XML and form carry it as text.
      const wa = body.WindowsAuthentication;
      if (wa !== undefined && typeof wa !== 'boolean' && wa !== 'true' && wa !== 'false') return invalid();
      const clientId = body.client_id as string | undefined;
      if (clientId === undefined || clients[clientId] !== body.client_secret) return keycloakError('unauthorized_client', 'Invalid client secret', 401);

      let user: string;
      switch (body.grant_type) {
        case 'password':
          if (typeof body.username !== 'string' || users[body.username] !== body.password) return keycloakError('invalid_grant', 'Invalid user credentials');
          user = body.username;
          break;
        case 'client_credentials':
          user = `service-account-${clientId}`;
          break;
        case 'refresh_token': {
          const rt = body.refresh_token as string | undefined;
          if (tokens.status(rt, 'refresh') !== 'valid') return keycloakError('invalid_grant', 'Token is not active');
          tokens.revoke(rt!);
          user = String(tokens.meta(rt!)?.user);
          break;
        }
        default:
          // The Help Page's sample sends "sample string 7": the documented answer goes to the documented request.
          if (options.answers === 'documented' && body.grant_type === ASPNET_SAMPLE_REQUEST.grant_type) {
            tokens.issue('sample string 1', 'access', 1, { user: ASPNET_SAMPLE_REQUEST.username });
            return respond(entry, {}, ASPNET_XML_ANSWER, ASPNET_JSON_ANSWER);
          }
          return keycloakError('unsupported_grant_type', 'Unsupported grant_type');
      }
      if (options.answers === 'documented') {
        tokens.issue('sample string 1', 'access', 1, { user });
        tokens.issue('sample string 5', 'refresh', 1, { user });
        return respond(entry, {}, ASPNET_XML_ANSWER, ASPNET_JSON_ANSWER);
      }
      const now = Math.floor(Date.now() / 1000);
      const access = fakeJwt({ sub: user, iat: now, exp: now + expiresIn, jti: tokens.next('kc') });
      const refresh = fakeJwt({ sub: user, typ: 'Refresh', jti: tokens.next('kc-rt') });
      tokens.issue(access, 'access', expiresIn, { user });
      tokens.issue(refresh, 'refresh', refreshExpiresIn === 0 ? 10 * 365 * 86_400 : refreshExpiresIn, { user });
      return respond(entry, {
        access_token: access,
        expires_in: expiresIn,
        redirect_url: 'https://app.example.com/',
        ip: '127.0.0.1',
        is_editor: true,
        refresh_expires_in: refreshExpiresIn,
        refresh_token: refresh,
        token_type: 'bearer',
        not_before_policy: 0,
        session_state: '3f1b0c9e-5a2d-4c2e-9a57-0b6f3c1d2e4f',
        scope: typeof body.scope === 'string' && body.scope !== '' ? body.scope : 'profile email',
      });
    }),

    http.get(urls.profile, async ({ request }) => {
      const entry = await logRequest(requests, request);
      const at = bearerToken(entry);
      if (tokens.status(at, 'access') !== 'valid') return rawJson(ASPNET_DENIED, 401);
      return HttpResponse.json({ user: tokens.meta(at!)?.user, is_editor: true });
    }),
  ];

  return { handlers, requests, tokens, urls, tokenRequests: () => requests.filter((r) => r.url === urls.token) };
}
