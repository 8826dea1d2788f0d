/**
 * Building a token request: pure, no I/O, so most tests need no network.
 * @module
 */
import { basicAuthorization, type WireClientAuth } from './client-auth.js';
import type { ParamValue } from './options.js';

/** A request ready to send: what goes on the wire, nothing more. */
export interface TokenHttpRequest {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Inputs of {@link buildTokenRequest}. */
export interface TokenRequestInput {
  /** The token endpoint, used exactly as given. */
  tokenUrl: URL | string;
  /** Grant fields, `grant_type` first (`{ grant_type: 'password', username, password }`). */
  grant: Readonly<Record<string, string | undefined>>;
  /** How the client authenticates on this request. */
  clientAuth: WireClientAuth;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
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
  bodyFormat?: 'form' | 'json';
}

/**
 * Builds the token request. Form bodies are encoded with `URLSearchParams`, so `DOMAIN\user` and
 * refresh tokens holding `+ / =` arrive intact; `Accept: application/json` is always sent (seed 004's
 * ASP.NET server answers XML otherwise).
 *
 * @example
 * ```ts
 * const req = buildTokenRequest({
 *   tokenUrl: 'https://vro.example:9898/api/token',
 *   grant: { grant_type: 'password', username: 'vdro\\administrator', password: 'Password1' },
 *   clientAuth: 'none',
 * });
 * req.body; // 'grant_type=password&username=vdro%5Cadministrator&password=Password1'
 * ```
 */
export function buildTokenRequest(input: TokenRequestInput): TokenHttpRequest {
  const fields: Array<[string, ParamValue]> = [];
  for (const [key, value] of Object.entries(input.grant)) if (value !== undefined) fields.push([key, value]);
  if (input.scope !== undefined && input.scope !== '') fields.push(['scope', input.scope]);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (input.clientAuth === 'basic') {
    headers.authorization = basicAuthorization(input.clientId ?? '', input.clientSecret ?? '', input.basicEncoding);
  } else if (input.clientAuth === 'body') {
    if (input.clientId !== undefined) fields.push(['client_id', input.clientId]);
    if (input.clientSecret !== undefined) fields.push(['client_secret', input.clientSecret]);
  } else if (input.clientId !== undefined) {
    fields.push(['client_id', input.clientId]);
  }
  // Parameter-set fields, then extra params; neither overrides what the grant and client auth set.
  const taken = new Set(fields.map(([key]) => key));
  const own = new Set<string>();
  for (const [key, value] of input.extra ?? []) {
    if (taken.has(key)) continue;
    own.add(key);
    fields.push([key, value]);
  }
  for (const [key, value] of Object.entries(input.params ?? {})) if (!taken.has(key) && !own.has(key)) fields.push([key, value]);

  let body: string;
  if (input.bodyFormat === 'json') {
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
  return { url: String(input.tokenUrl), method: 'POST', headers, body };
}
