/**
 * Every default of the options in one table. A test asserts it against docs/configuration.md, so the
 * docs cannot drift.
 * @module
 */
import { GRANT_DEFAULTS } from './options-grants.js';

/**
 * Every default in one place. A test asserts this table against the docs, so they cannot drift.
 */
export const DEFAULTS = Object.freeze({
  clientAuth: 'auto',
  basicEncoding: 'form',
  bodyFormat: 'form',
  refreshWithClientAuth: true,
  timeout: 10_000,
  retry: Object.freeze({ retries: 3, minTimeout: 200, maxTimeout: 5_000, maxRetryTime: 30_000 }),
  refreshSkew: 60,
  defaultExpiresIn: 300,
  proactive: false,
  maxResponseBytes: 1_048_576,
  maxCachedTokens: 100,
  logoffMethod: 'DELETE',
  revokeTokens: Object.freeze(['refresh_token', 'access_token'] as const),
  assertionLifetime: 60,
  dpop: false,
  ...GRANT_DEFAULTS,
} as const);
