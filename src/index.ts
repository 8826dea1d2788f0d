/**
 * tokenward: OAuth 2.0 access tokens for Node services, acquired, cached, refreshed and released.
 * This module only re-exports.
 * @module
 */
export { TokenManager, TokenView } from './manager.js';
export type { TokenParameters } from './token-params.js';
export type { GetTokenOptions } from './caller.js';
export type { Token } from './token.js';
export { authorizationValue } from './token.js';
export {
  DEFAULTS,
  type ClientAuthMethod,
  type FetchLike,
  type GrantName,
  type LogoffOptions,
  type ParamValue,
  type RetryEvent,
  type RetryOptions,
  type TokenEvent,
  type TokenManagerOptions,
  type TokenwardHooks,
} from './options.js';
export { TOKEN_TYPES, type GrantValue, type JwtBearerAssertion, type TokenTypeName } from './options-grants.js';
export type { GrantInputParameters } from './grant-inputs.js';
export type { DpopOption } from './dpop.js';
export type { PrivateKeyInput } from './credentials.js';
export type { TlsOptions } from './options-enterprise.js';
export { ConfigError, ErrorCode, NetworkError, OAuthError, ResponseError, TokenwardError, isTokenwardError, type TokenwardErrorDetails } from './errors.js';
export { normalizeTokenResponse, normalizeTokenType, type NormalizeOptions, type TokenHttpResponse } from './normalize.js';
export { buildTokenRequest, type TokenHttpRequest, type TokenRequestInput } from './token-request.js';
export { basicAuthorization, formEncode, isClientNotAuthenticated, type WireClientAuth } from './client-auth/index.js';
export { MemoryTokenStore, type TokenStore } from './store.js';
export { defaultIsAuthFailure } from './auth-fetch.js';
export { isReplayableBody } from './request-parts.js';
export { RENEWAL_COOLDOWN_MS } from './token-slot.js';
export { authInterceptor, defaultIsAuthFailureStatus, type AuthInterceptorOptions } from './undici.js';
export { channels, type LogoffOutcome, type TokenwardEvents } from './events.js';
export { cacheChannel, tracingChannels, type AcquireTrace, type CacheLookup, type LogoffTrace, type OperationTrace, type TokenRequestTrace } from './tracing.js';
export { isTransient } from './retry.js';
export { asksForDpopNonce, bearerError, findChallenge, parseWwwAuthenticate, rejectsToken, type Challenge } from './www-authenticate.js';
export * from './profiles/index.js';
