/**
 * Building a token request: pure, no I/O, so most tests need no network. Client authentication decorates
 * the request between {@link startRequest} and {@link finishRequest}.
 * @module
 */
import { clientSecretBasic } from './client-auth/basic.js';
import { noneAuth } from './client-auth/none.js';
import { clientSecretPost } from './client-auth/post.js';
import type { EndpointRequest, SyncClientAuthStrategy } from './client-auth/strategy.js';
import type { ParamValue } from './options.js';

/**
 * A request ready to send: what goes on the wire, nothing more. {@link buildTokenRequest} makes one.
 *
 * @example
 * ```ts
 * import { buildTokenRequest, type TokenHttpRequest } from 'tokenward';
 *
 * const req: TokenHttpRequest = buildTokenRequest({ tokenUrl: 'https://idp.example.com/token', grant: { grant_type: 'client_credentials' }, clientAuth: 'basic', clientId, clientSecret });
 * const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
 * ```
 */
export interface TokenHttpRequest {
  /** The token endpoint, exactly as given to {@link buildTokenRequest}. */
  readonly url: string;
  /** Token requests are always POST (RFC 6749 §3.2). */
  readonly method: 'POST';
  /** `Accept`, `Content-Type` and, for `basic`, `Authorization` (holds the secret: never log it). */
  readonly headers: Readonly<Record<string, string>>;
  /** The encoded body: form-urlencoded, or JSON with `bodyFormat: 'json'`. May hold the secret. */
  readonly body: string;
}

/**
 * Inputs of {@link buildTokenRequest}.
 *
 * @example
 * ```ts
 * import { buildTokenRequest, type TokenRequestInput } from 'tokenward';
 *
 * const input: TokenRequestInput = { tokenUrl: 'https://idp.example.com/token', grant: { grant_type: 'client_credentials' }, clientAuth: 'body', clientId, clientSecret, scope: 'orders:read' };
 * const req = buildTokenRequest(input);
 * ```
 */
export interface TokenRequestInput {
  /** The token endpoint, used exactly as given. */
  tokenUrl: URL | string;
  /** Grant fields, `grant_type` first (`{ grant_type: 'password', username, password }`). */
  grant: Readonly<Record<string, string | undefined>>;
  /** How the client authenticates on this request (the secret-based methods; the others need I/O). */
  clientAuth: 'basic' | 'body' | 'none';
  /** The client id: in the `Authorization` header (`basic`) or the body (`body`, `none`). */
  clientId?: string | undefined;
  /** The client secret, for `basic` and `body`. */
  clientSecret?: string | undefined;
  /**
   * For `basic`: `'form'` form-urlencodes id and secret before base64 as RFC 6749 §2.3.1 says; `'none'`
   * sends them raw, for servers that do not decode them (Jim2Server).
   * @default 'form'
   */
  basicEncoding?: 'form' | 'none';
  /** Already joined with spaces; sent as is. */
  scope?: string | undefined;
  /** Extra fields. In JSON bodies numbers and booleans keep their JSON types. */
  params?: Readonly<Record<string, ParamValue>>;
  /**
   * Fields of one token's parameter set (`resource`, repeatable; `audience`; its own params), sent after
   * the grant and client fields and before `params`, whose same-named fields they replace. A repeated
   * name becomes an array in a JSON body.
   */
  extra?: ReadonlyArray<readonly [string, ParamValue]>;
  /** `'json'` for servers that only read JSON bodies (the ASP.NET Web API `api/v1/auth/token` facade). @default 'form' */
  bodyFormat?: 'form' | 'json';
}

/**
 * Builds the token request. Form bodies are encoded with `URLSearchParams`, so `DOMAIN\user` and
 * refresh tokens holding `+ / =` arrive intact; `Accept: application/json` is always sent (the ASP.NET auth-token facade's
 * ASP.NET server answers XML otherwise).
 *
 * @example
 * ```ts
 * import { buildTokenRequest } from 'tokenward';
 *
 * const req = buildTokenRequest({
 *   tokenUrl: 'https://vro.example:9898/api/token',
 *   grant: { grant_type: 'password', username: 'vdro\\administrator', password: 'Password1' },
 *   clientAuth: 'none',
 * });
 * req.body; // 'grant_type=password&username=vdro%5Cadministrator&password=Password1'
 * ```
 */
export function buildTokenRequest(input: TokenRequestInput): TokenHttpRequest {
  const request = startRequest(input.tokenUrl, input.grant, input.scope);
  const auth: SyncClientAuthStrategy =
    input.clientAuth === 'basic'
      ? clientSecretBasic(input.clientId ?? '', input.clientSecret ?? '', input.basicEncoding ?? 'form')
      : input.clientAuth === 'body'
        ? clientSecretPost(input.clientId ?? '', input.clientSecret)
        : noneAuth(input.clientId);
  // A body-credentials request without a client id (never built by the manager) sends only the secret, as before.
  if (input.clientAuth === 'body' && input.clientId === undefined) {
    if (input.clientSecret !== undefined) request.fields.push(['client_secret', input.clientSecret]);
  } else auth.decorate(request);
  return finishRequest(request, input.params, input.bodyFormat, input.extra);
}

/** A token request before client authentication: grant fields, then `scope`. */
export function startRequest(url: URL | string, grant: Readonly<Record<string, string | undefined>>, scope?: string): EndpointRequest {
  const fields: Array<[string, ParamValue]> = [];
  for (const [key, value] of Object.entries(grant)) if (value !== undefined) fields.push([key, value]);
  if (scope !== undefined && scope !== '') fields.push(['scope', scope]);
  return { url: String(url), headers: { accept: 'application/json' }, fields, secrets: [] };
}

/**
 * Appends a parameter set's fields (`extra`), then `params`, neither overriding what the grant and client
 * authentication set (and `params` never overriding `extra`), and encodes the body as a form or JSON.
 */
export function finishRequest(
  request: EndpointRequest,
  params: Readonly<Record<string, ParamValue>> = {},
  bodyFormat: 'form' | 'json' = 'form',
  extra: ReadonlyArray<readonly [string, ParamValue]> = [],
): TokenHttpRequest {
  const fields = request.fields;
  const taken = new Set(fields.map(([key]) => key));
  const own = new Set<string>();
  for (const [key, value] of extra) {
    if (taken.has(key)) continue;
    own.add(key);
    fields.push([key, value]);
  }
  for (const [key, value] of Object.entries(params)) if (!taken.has(key) && !own.has(key)) fields.push([key, value]);
  const headers = { ...request.headers };
  let body: string;
  if (bodyFormat === 'json') {
    headers['content-type'] = 'application/json';
    const record: Record<string, ParamValue | ParamValue[]> = {};
    for (const [key, value] of fields) {
      const prev = record[key];
      record[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    body = JSON.stringify(record);
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(fields.map(([key, value]): [string, string] => [key, String(value)])).toString();
  }
  return { url: request.url, method: 'POST', headers, body };
}
