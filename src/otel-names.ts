/**
 * The names `tokenward/otel` gives its spans, metrics and attributes, in one place so the docs
 * (docs/observability.md) and dashboards can rely on them. HTTP and error attributes follow the
 * OpenTelemetry semantic conventions; the rest are namespaced `tokenward.*`.
 * @module
 */

/**
 * Span names.
 *
 * @example
 * ```ts
 * import { SPAN_NAMES } from 'tokenward/otel';
 *
 * const acquisitions = exportedSpans.filter((span) => span.name === SPAN_NAMES.acquire);
 * ```
 */
export const SPAN_NAMES = {
  /** One acquisition: a token renewed (refresh token first, then the grant) or adopted from the store. */
  acquire: 'tokenward.acquire',
  /** One HTTP attempt at the token endpoint, a child of its acquisition (or logoff). */
  tokenRequest: 'tokenward.token_request',
  /** One token's logoff (bearer logoff or RFC 7009 revocation, or a local-only forget). */
  logoff: 'tokenward.logoff',
  /** The API rejected a token; a renewed one was fetched and the request is being replayed. */
  authReplay: 'tokenward.auth_replay',
} as const;

/**
 * Metric names.
 *
 * @example
 * ```ts
 * import { METRIC_NAMES } from 'tokenward/otel';
 *
 * const hits = resourceMetrics.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === METRIC_NAMES.cacheHits);
 * ```
 */
export const METRIC_NAMES = {
  /** Counter of token-endpoint HTTP attempts, by grant, outcome and status. */
  tokenRequests: 'tokenward.token.requests',
  /** Histogram of token-endpoint HTTP attempt durations, ms. */
  tokenRequestDuration: 'tokenward.token.request.duration',
  /** Counter of retries of token-endpoint requests (each attempt after the first). */
  retries: 'tokenward.token.request.retries',
  /** Histogram of acquisition durations (what a caller on a cold or expiring cache waits), ms. */
  acquisitionDuration: 'tokenward.acquisition.duration',
  /** Counter of tokens served from the cache without waiting. */
  cacheHits: 'tokenward.cache.hits',
  /** Counter of callers that waited for an acquisition. */
  cacheMisses: 'tokenward.cache.misses',
  /** Counter of API rejections answered by renewing the token and replaying the request. */
  authReplays: 'tokenward.auth.replays',
  /** Counter of token-store failures the manager carried on without. */
  storeErrors: 'tokenward.store.errors',
  /** Counter of token logoffs, by whether the server released the session. */
  logoffs: 'tokenward.logoffs',
} as const;

/**
 * Attribute names (the OpenTelemetry semantic conventions' where one exists).
 *
 * @example
 * ```ts
 * import { ATTRIBUTES, SPAN_NAMES } from 'tokenward/otel';
 *
 * const fallbacks = exportedSpans.filter((s) => s.name === SPAN_NAMES.acquire && s.attributes[ATTRIBUTES.refreshFallback] === true);
 * ```
 */
export const ATTRIBUTES = {
  /** The `grant_type` (`client_credentials`, `password`, `refresh_token`, ...). */
  grant: 'tokenward.grant',
  /** An {@link Outcome}: `success`, `transient_failure` or `failure`. */
  outcome: 'tokenward.outcome',
  /** Whether the token has parameters of its own (`tm.for(...)`); never their values. */
  hasParameters: 'tokenward.token.has_parameters',
  /** How an acquisition got its token: `grant`, `refresh` or `store`. */
  how: 'tokenward.acquisition.how',
  /** The acquisition was asked for while the cached token was fresh (`forceRefresh`, the proactive timer). */
  forced: 'tokenward.acquisition.forced',
  /** The acquisition was started by the proactive refresh timer, not by a caller. */
  background: 'tokenward.acquisition.background',
  /** A refresh token was presented. */
  refreshTokenUsed: 'tokenward.refresh_token.used',
  /** The refresh token was refused and the acquisition fell back to the grant. */
  refreshFallback: 'tokenward.refresh_token.fallback',
  /** How many HTTP attempts an acquisition or logoff made at the token endpoint. */
  tokenRequests: 'tokenward.token_requests',
  /** How many of those attempts were retries. */
  retryCount: 'tokenward.retry_count',
  /** The attempt's number, 1 for the first try. */
  attempt: 'tokenward.attempt',
  /** The client authentication used (`basic`, `body`, `private_key_jwt`, ...). */
  clientAuth: 'tokenward.client_auth',
  /** The OAuth `error` code the server sent (`invalid_grant`, `invalid_client`, ...). */
  oauthError: 'tokenward.oauth.error',
  /** The logoff style: `bearer`, `revoke` or `none`. */
  logoffStyle: 'tokenward.logoff.style',
  /** Whether the server released the session on logoff. */
  released: 'tokenward.logoff.released',
  /** The scheme of the API's `WWW-Authenticate` challenge on a rejection (`Bearer`, `DPoP`). */
  challengeScheme: 'tokenward.challenge.scheme',
  /** The challenge's RFC 6750 `error` (`invalid_token`). */
  challengeError: 'tokenward.challenge.error',
  /** Semantic conventions: the HTTP method (`POST`). */
  httpMethod: 'http.request.method',
  /** Semantic conventions: the HTTP status of the answer. */
  httpStatus: 'http.response.status_code',
  /** Semantic conventions: retries before this attempt (set from the second attempt on). */
  resendCount: 'http.request.resend_count',
  /** Semantic conventions: the token endpoint's (or API's) host name. */
  serverAddress: 'server.address',
  /** Semantic conventions: its port, when not the scheme's default. */
  serverPort: 'server.port',
  /** Semantic conventions: `https` or `http`. */
  urlScheme: 'url.scheme',
  /** Semantic conventions: the URL path, never the query. */
  urlPath: 'url.path',
  /** Semantic conventions: the tokenward error code (`ERR_TOKENWARD_OAUTH`, ...), else the error's name. */
  errorType: 'error.type',
} as const;

/**
 * What `tokenward.outcome` says: the attempt (or acquisition, logoff) worked, failed in a way a retry may fix, or failed.
 *
 * @example
 * ```ts
 * import { ATTRIBUTES, SPAN_NAMES, type Outcome } from 'tokenward/otel';
 *
 * const failed: Outcome = 'failure';
 * const hardFailures = exportedSpans.filter((s) => s.name === SPAN_NAMES.tokenRequest && s.attributes[ATTRIBUTES.outcome] === failed);
 * ```
 */
export type Outcome = 'success' | 'transient_failure' | 'failure';
