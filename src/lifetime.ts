/**
 * How long a token lives, in seconds, from what a token answer says: `expires_in`, else the access
 * token's own claims when it is a JWT. Pure, like the normaliser that uses it.
 * @module
 */
import type { TokenwardError } from './errors.js';
import { isRecord } from './parse-body.js';

/** The longest lifetime believed, in seconds (Go caps at MaxInt32 too); beyond it a server is confused. */
const MAX_LIFETIME_S = 2_147_483_647;

/**
 * The access token's lifetime, seconds, or `undefined` when the answer leaves it unknown (then the
 * caller's default applies). A lifetime under a second counts as unknown, not as "expired":
 * `expires_in: 0`, or a JWT whose `exp` is already past on a skewed clock, would otherwise cost one
 * token request per call.
 * @throws {TokenwardError} from `invalid` when `expires_in` is negative or not a number.
 */
export function accessTokenLifetime(expiresIn: unknown, accessToken: string, now: number, invalid: (why: string) => TokenwardError): number | undefined {
  return usable(readLifetime(expiresIn, 'expires_in', invalid)) ?? jwtLifetime(accessToken, now);
}

/**
 * A lifetime field (`expires_in`, `refresh_expires_in`) in seconds, or `undefined` when absent. Numbers
 * and numeric strings are read; a negative or non-numeric value is an invalid answer.
 */
export function readLifetime(value: unknown, name: string, invalid: (why: string) => TokenwardError): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  // Bright Pattern (configapi/v2) sends expires_in as a string: "3599".
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (typeof value === 'string' && /^\s*-/.test(value)) throw invalid(`${name} is negative`);
  if (Number.isNaN(seconds) || !Number.isFinite(seconds)) throw invalid(`${name} is not a number (${typeof value})`);
  if (seconds < 0) throw invalid(`${name} is negative`);
  return Math.min(seconds, MAX_LIFETIME_S);
}

/** Shortest lifetime believed, seconds: below it a lifetime counts as unknown. */
const MIN_LIFETIME_S = 1;

function usable(seconds: number | undefined): number | undefined {
  return seconds !== undefined && seconds >= MIN_LIFETIME_S ? seconds : undefined;
}

/**
 * The lifetime of a JWT access token, seconds: `exp - iat` when both are numbers (both on the issuer's
 * clock, so skew between hosts cancels out), else `exp - now`. `undefined` when the token is not a JWT
 * with a numeric `exp`, or the lifetime is under a second.
 */
function jwtLifetime(accessToken: string, now: number): number | undefined {
  const parts = accessToken.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    if (!isRecord(claims) || !isFiniteNumber(claims.exp)) return undefined;
    const seconds = isFiniteNumber(claims.iat) ? claims.exp - claims.iat : claims.exp - now / 1000;
    return usable(Math.min(seconds, MAX_LIFETIME_S));
  } catch {
    // Not a JWT after all.
  }
  return undefined;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
