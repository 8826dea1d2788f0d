/**
 * tokenward: OAuth 2.0 access tokens for Node services, acquired, cached, refreshed and released.
 * This module only re-exports.
 * @module
 */

export { defaultIsAuthFailure } from './auth-fetch.js';
export type { GetTokenOptions } from './caller.js';
export { basicAuthorization, formEncode, isClientNotAuthenticated, type WireClientAuth } from './client-auth/index.js';
export type { PrivateKeyInput } from './credentials.js';
export type { DpopOption } from './dpop.js';
export { ConfigError, ErrorCode, isTokenwardError, NetworkError, OAuthError, ResponseError, TokenwardError, type TokenwardErrorDetails } from './errors.js';
export { channels, type LogoffOutcome, type TokenwardEvents } from './events.js';
export type { GrantInputParameters } from './grant-inputs.js';
export { TokenManager, TokenView } from './manager.js';
export { type NormalizeOptions, normalizeTokenResponse, normalizeTokenType, type TokenHttpResponse } from './normalize.js';
export {
  type ClientAuthMethod,
  DEFAULTS,
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
export type { TlsOptions } from './options-enterprise.js';
export { type GrantValue, type JwtBearerAssertion, TOKEN_TYPES, type TokenTypeName } from './options-grants.js';
export * from './profiles/index.js';
export { isReplayableBody } from './request-parts.js';
export { isTransient } from './retry.js';
export { MemoryTokenStore, type TokenStore } from './store.js';
export type { Token } from './token.js';
export { authorizationValue } from './token.js';
export type { TokenParameters } from './token-params.js';
export { buildTokenRequest, type TokenHttpRequest, type TokenRequestInput } from './token-request.js';
export { RENEWAL_COOLDOWN_MS } from './token-slot.js';
export {
  type AcquireTrace,
  type CacheLookup,
  cacheChannel,
  type LogoffTrace,
  type OperationTrace,
  type TokenRequestTrace,
  tracingChannels,
} from './tracing.js';
export { type AuthInterceptorOptions, authInterceptor, defaultIsAuthFailureStatus } from './undici.js';
export { asksForDpopNonce, bearerError, type Challenge, findChallenge, parseWwwAuthenticate, rejectsToken } from './www-authenticate.js';
