/**
 * Token-endpoint answer → {@link Token} or a typed error. Pure: the clock and the secrets to scrub are
 * passed in, so every shape real servers send is a one-line test.
 * @module
 */
import { ErrorCode, OAuthError, ResponseError, type TokenwardError } from './errors.js';
import { accessTokenLifetime, readLifetime } from './lifetime.js';
import { isRecord, type ParsedBody, parseBody } from './parse-body.js';
import { excerpt, maskTokens, scrub } from './redact.js';
import type { Token } from './token.js';

/**
 * An answer as read off the wire: the input of {@link normalizeTokenResponse}.
 *
 * @example
 * ```ts
 * import { normalizeTokenResponse, type TokenHttpResponse } from 'tokenward';
 *
 * const res = await fetch('https://idp.example.com/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
 * const answer: TokenHttpResponse = { status: res.status, headers: res.headers, body: await res.text() };
 * const token = normalizeTokenResponse(answer);
 * ```
 */
export interface TokenHttpResponse {
  /** HTTP status. */
  readonly status: number;
  /** Response headers (a `Headers` or a plain lower-case record). */
  readonly headers: Headers | Readonly<Record<string, string | undefined>>;
  /** The body as text. */
  readonly body: string;
}

/**
 * Options of {@link normalizeTokenResponse}.
 *
 * @example
 * ```ts
 * import { normalizeTokenResponse, type NormalizeOptions } from 'tokenward';
 *
 * const options: NormalizeOptions = { now: Date.now(), defaultExpiresIn: 600, secrets: [clientSecret] };
 * const token = normalizeTokenResponse({ status: 200, headers: {}, body: '{"access_token":"eyJ…"}' }, options);
 * ```
 */
export interface NormalizeOptions {
  /** The local clock when the answer arrived, epoch ms. @default Date.now() */
  now?: number;
  /**
   * Lifetime (seconds) when the answer states none, or one under a second (`expires_in: 0`), and the
   * access token is not a JWT with a usable lifetime. @default 300
   */
  defaultExpiresIn?: number;
  /** Strings to scrub from any error excerpt (the client secret, the password, the refresh token sent). */
  secrets?: Iterable<string | undefined>;
  /** The refresh token to keep when a refresh answer does not rotate it. */
  previousRefreshToken?: string;
  /**
   * Token types accepted besides Bearer (compared case-insensitively; the token carries the spelling
   * given here). Any other `token_type` fails with `ERR_TOKENWARD_UNSUPPORTED_TOKEN_TYPE`: sent as if it
   * were Bearer, a `DPoP`, `MAC` or `N_A` token makes every call 401. `['DPoP']` once DPoP proofs are sent.
   * @default []
   */
  acceptedTokenTypes?: readonly string[];
}

/**
 * Turns a token-endpoint answer into a {@link Token}, or throws the matching {@link TokenwardError}.
 *
 * Accepts `expires_in` as a number or numeric string; a trailing comma or a BOM in JSON; `token_type`
 * in any case (default `Bearer`); no `expires_in`, or one under a second (then the JWT's lifetime,
 * `exp - iat` or `exp - now`, else `defaultExpiresIn`);
 * `refresh_expires_in`; form-encoded and XML answers. Rejects a 2xx without an access token, a negative
 * or non-numeric lifetime, and an `error` field even on a 200.
 *
 * @example
 * ```ts
 * import { normalizeTokenResponse } from 'tokenward';
 *
 * const token = normalizeTokenResponse({
 *   status: 200,
 *   headers: { 'content-type': 'application/json' },
 *   body: '{"access_token":"eyJ…","token_type":"Bearer","expires_in":"3599",}',
 * }, { now: 0 });
 * token.expiresAt; // 3_599_000
 * ```
 */
export function normalizeTokenResponse(res: TokenHttpResponse, options: NormalizeOptions = {}): Token {
  const now = options.now ?? Date.now();
  const parsed = parseBody(res.body, header(res.headers, 'content-type'));
  const problem = answerError(res, parsed, options.secrets);
  if (problem) throw problem;
  const f = parsed.fields!;
  const secrets = options.secrets ?? [];
  const invalid = (why: string): TokenwardError =>
    new ResponseError(ErrorCode.INVALID_TOKEN_RESPONSE, `token endpoint answered ${res.status} without a usable token: ${why}`, {
      status: res.status,
      bodyExcerpt: excerpt(res.body, res.status, [...secrets, ...tokenValues(f)]),
    });

  const accessToken = f.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw invalid('no access_token');
  const tokenType = acceptedTokenType(f.token_type, options.acceptedTokenTypes ?? []);
  if (tokenType === undefined) throw unsupportedTokenType(res, f.token_type, options.acceptedTokenTypes ?? [], [...secrets, ...tokenValues(f)]);

  const lifetime = accessTokenLifetime(f.expires_in, accessToken, now, invalid) ?? options.defaultExpiresIn ?? 300;
  // Keycloak sends refresh_expires_in: 0 for offline tokens, meaning "no fixed expiry", not "expired".
  const refreshLifetime = readLifetime(f.refresh_expires_in, 'refresh_expires_in', invalid);

  const refreshToken = typeof f.refresh_token === 'string' && f.refresh_token !== '' ? f.refresh_token : options.previousRefreshToken;
  const token: { -readonly [K in keyof Token]: Token[K] } = {
    accessToken,
    tokenType,
    expiresAt: now + lifetime * 1000,
    receivedAt: now,
    raw: withoutTokenValues(f, [accessToken, refreshToken, typeof f.id_token === 'string' ? f.id_token : undefined]),
  };
  if (refreshToken !== undefined) token.refreshToken = refreshToken;
  if (refreshLifetime !== undefined && refreshLifetime > 0 && typeof f.refresh_token === 'string') token.refreshExpiresAt = now + refreshLifetime * 1000;
  if (typeof f.scope === 'string') token.scope = f.scope;
  if (typeof f.id_token === 'string') token.idToken = f.id_token;
  if (typeof f.issued_token_type === 'string' && f.issued_token_type !== '') token.issuedTokenType = f.issued_token_type;
  return token;
}

/**
 * The error an answer stands for, or `undefined` when it is a 2xx with fields to read. Used for token
 * answers and for logoff/revocation answers alike.
 */
export function answerError(res: TokenHttpResponse, parsed: ParsedBody, secrets: Iterable<string | undefined> = []): TokenwardError | undefined {
  const f = parsed.fields;
  // Built only when there is an error to report: a successful answer never pays for the excerpt.
  // The answer's own token values count as secrets too: a server may echo them into any field.
  let known: Array<string | undefined> | undefined;
  const all = () => (known ??= [...secrets, ...(f ? tokenValues(f) : [])]);
  const details = (): ErrorDetails => {
    const out: ErrorDetails = { status: res.status };
    const bodyExcerpt = excerpt(res.body, res.status, all());
    if (bodyExcerpt !== '') out.bodyExcerpt = bodyExcerpt;
    const retryAfter = retryAfterSeconds(header(res.headers, 'retry-after'));
    if (retryAfter !== undefined) out.retryAfter = retryAfter;
    return out;
  };

  if (f) {
    // RFC 6749 §5.2, also on a 200: "some unorthodox servers respond 200 in error case" (golang/oauth2).
    if (typeof f.error === 'string' && f.error !== '') {
      // Every field is scrubbed: a server that echoes the request may put a secret anywhere.
      return oauthError(res.status, scrub(f.error, all()), scrubbed(str(f.error_description), all()), scrubbed(str(f.error_uri), all()), details());
    }
    // InfoLink wraps every answer: {"result":{"code":"invalid_grant","message":"…"},"status":"error"}.
    if (f.status === 'error' && isRecord(f.result) && typeof f.result.code === 'string') {
      return oauthError(res.status, scrub(f.result.code, all()), scrubbed(str(f.result.message), all()), undefined, details());
    }
  }
  if (res.status >= 200 && res.status < 300) {
    if (f) return undefined;
    const what =
      parsed.kind === 'empty'
        ? 'an empty body'
        : parsed.kind === 'html'
          ? 'an HTML page'
          : parsed.kind === 'json'
            ? 'a JSON value that is not an object'
            : 'a body that is neither JSON, form nor XML';
    return new ResponseError(ErrorCode.INVALID_TOKEN_RESPONSE, `token endpoint answered ${res.status} with ${what}`, details());
  }
  // ASP.NET Web API: {"Message":"Authorization has been denied for this request."} or <Error><Message>.
  const message = scrubbed(f ? (str(f.Message) ?? str(f.message)) : undefined, all());
  const what =
    message !== undefined
      ? `: ${JSON.stringify(truncate(message))}`
      : parsed.kind === 'html'
        ? ' with an HTML page'
        : parsed.kind === 'empty'
          ? ' with an empty body'
          : '';
  return new ResponseError(
    ErrorCode.RESPONSE,
    `token endpoint answered ${res.status}${what}`,
    message !== undefined ? { ...details(), errorDescription: message } : details(),
  );
}

/** What every answer error carries besides its message. */
interface ErrorDetails {
  status: number;
  bodyExcerpt?: string;
  retryAfter?: number;
}

function oauthError(status: number, error: string, description: string | undefined, uri: string | undefined, details: ErrorDetails): OAuthError {
  const text = description !== undefined ? `: ${JSON.stringify(truncate(description))}` : '';
  return new OAuthError(ErrorCode.OAUTH, `token endpoint answered ${status} ${truncate(error, 80)}${text}`, {
    ...details,
    error,
    ...(description !== undefined ? { errorDescription: description } : {}),
    ...(uri !== undefined ? { errorUri: uri } : {}),
  });
}

/**
 * The spelling of a `token_type`: `bearer`, `BEARER` or nothing → `Bearer` (RFC 6750 spelling; Amplitude
 * rejects `bearer`), `dpop` → `DPoP`, `mac` → `MAC`, anything else trimmed. Spelling only: which types
 * a token may have is {@link NormalizeOptions.acceptedTokenTypes}'s business.
 *
 * @example
 * ```ts
 * import { normalizeTokenType } from 'tokenward';
 *
 * normalizeTokenType('bearer'); // 'Bearer' (Veeam sends lower case)
 * normalizeTokenType(undefined); // 'Bearer'
 * normalizeTokenType('dpop'); // 'DPoP'
 * ```
 */
export function normalizeTokenType(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') return 'Bearer';
  const lower = value.trim().toLowerCase();
  if (lower === 'bearer') return 'Bearer';
  if (lower === 'dpop') return 'DPoP';
  if (lower === 'mac') return 'MAC';
  return value.trim();
}

/**
 * The token type to send, or `undefined` when it is not one tokenward can send. Missing (absent, null,
 * empty) counts as Bearer, as most clients treat it (golang/oauth2, Duende); RFC 6749 §5.1 requires it.
 */
function acceptedTokenType(value: unknown, accepted: readonly string[]): string | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return 'Bearer';
  if (typeof value !== 'string') return undefined;
  const type = normalizeTokenType(value);
  if (type === 'Bearer') return type;
  return accepted.find((a) => a.toLowerCase() === type.toLowerCase());
}

function unsupportedTokenType(res: TokenHttpResponse, value: unknown, accepted: readonly string[], secrets: Array<string | undefined>): TokenwardError {
  // The server chose this text; it reaches the message only scrubbed, masked and short.
  const shown =
    typeof value === 'string'
      ? JSON.stringify(truncate(maskTokens(scrub(value.trim(), secrets)), 40))
      : typeof value === 'number' || typeof value === 'boolean'
        ? `${String(value)} (a ${typeof value})`
        : `(${Array.isArray(value) ? 'a list' : 'an object'})`;
  const sendable = ['Bearer', ...accepted].join(', ');
  // The server binds tokens to a DPoP key (RFC 9449) the client never showed it: say how to turn DPoP on.
  const hint = typeof value === 'string' && normalizeTokenType(value) === 'DPoP' ? '; set the `dpop` option to use DPoP-bound tokens' : '';
  return new ResponseError(
    ErrorCode.UNSUPPORTED_TOKEN_TYPE,
    `token endpoint answered ${res.status} with token_type ${shown}, which tokenward cannot send (it sends ${sendable})${hint}`,
    {
      status: res.status,
      bodyExcerpt: excerpt(res.body, res.status, secrets),
    },
  );
}

/** Fields of a token answer that hold token values: they live in `accessToken`, `refreshToken` and `idToken` only. */
const TOKEN_FIELDS = new Set(['access_token', 'refresh_token', 'id_token']);

/**
 * The answer's fields for `Token.raw`, without the token values: a `raw` that is logged for its
 * Keycloak extras must not log the tokens too. Drops `access_token`, `refresh_token` and `id_token`,
 * and any other field whose value holds one of the tokens (a server that repeats it as `jwt` or
 * inside an object). `Object.fromEntries` keeps a `__proto__` field a plain field.
 */
function withoutTokenValues(f: Record<string, unknown>, tokens: Array<string | undefined>): Readonly<Record<string, unknown>> {
  const values = tokens.filter((t): t is string => t !== undefined && t !== '');
  const holdsToken = (text: string) => values.some((t) => text === t || (t.length >= 8 && (text.includes(t) || text.includes(JSON.stringify(t).slice(1, -1)))));
  return Object.fromEntries(
    Object.entries(f).filter(([key, value]) => {
      if (TOKEN_FIELDS.has(key)) return false;
      if (typeof value === 'string') return !holdsToken(value);
      if (typeof value !== 'object' || value === null) return true;
      const text = safeStringify(value);
      return text !== undefined && !holdsToken(text);
    }),
  );
}

function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** The token values an answer holds: scrubbed from anything built from it, whoever's secrets list they are on. */
function tokenValues(f: Record<string, unknown>): string[] {
  return [f.access_token, f.refresh_token, f.id_token].filter((v): v is string => typeof v === 'string');
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function retryAfterSeconds(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** A response header by name, from a `Headers` (any copy) or a plain record. */
export function header(headers: TokenHttpResponse['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string | undefined>)[name];
}

function scrubbed(text: string | undefined, secrets: Iterable<string | undefined>): string | undefined {
  return text === undefined ? undefined : scrub(text, secrets);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function truncate(text: string, limit = 160): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
