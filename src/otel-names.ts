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
 * const fallbacks = exportedSpans.filter((s) => s.name === SPAN_NAMES.acquire && s.attributes[ATTRIBUTES.refreshFallback] === true);
 * ```
 */
export const ATTRIBUTES = {
  grant: 'tokenward.grant',
  outcome: 'tokenward.outcome',
  hasParameters: 'tokenward.token.has_parameters',
  how: 'tokenward.acquisition.how',
  forced: 'tokenward.acquisition.forced',
  background: 'tokenward.acquisition.background',
  refreshTokenUsed: 'tokenward.refresh_token.used',
  refreshFallback: 'tokenward.refresh_token.fallback',
  tokenRequests: 'tokenward.token_requests',
  retryCount: 'tokenward.retry_count',
  attempt: 'tokenward.attempt',
  clientAuth: 'tokenward.client_auth',
  oauthError: 'tokenward.oauth.error',
  logoffStyle: 'tokenward.logoff.style',
  released: 'tokenward.logoff.released',
  challengeScheme: 'tokenward.challenge.scheme',
  challengeError: 'tokenward.challenge.error',
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  resendCount: 'http.request.resend_count',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  urlScheme: 'url.scheme',
  urlPath: 'url.path',
  errorType: 'error.type',
} as const;

/** What `tokenward.outcome` says: the attempt (or acquisition, logoff) worked, failed in a way a retry may fix, or failed. */
export type Outcome = 'success' | 'transient_failure' | 'failure';
