/**
 * The value `RedisTokenStore` keeps under a token's key: a version tag and the token, as JSON. Anyone
 * who can write to Redis (another program, an older tokenward, a bit flip, a hand-edited key) can put
 * anything there, so a value is used only when every field checks out; anything else reads as absent
 * and the manager renews, instead of sending `Authorization: undefined …`.
 * @module
 */
import { isRecord } from './parse-body.js';
import type { Token } from './token.js';

/**
 * A decoded entry. `v: 1` when the key expires with the access token; `v: 2` when it outlives it by
 * `tailMs` (to keep the refresh token), so a reader can tell the access token's remaining life from
 * the key's TTL. Readers of `v: 1` only (older tokenward) skip a `v: 2` value instead of taking a dead
 * access token for a live one.
 */
export interface StoredEntry {
  readonly token: Token;
  /** How much longer than the access token the key lives, ms (`0` for a `v: 1` value). */
  readonly tailMs: number;
}

/** The JSON for `token`, its key outliving the access token by `tailMs` (ms, `0` for none). */
export function encodeEntry(token: Token, tailMs: number): string {
  const value = tailMs > 0 ? { v: 2, token: tokenFields(token), tailMs } : { v: 1, token: tokenFields(token) };
  return JSON.stringify(value);
}

/**
 * The entry a stored value holds, or `undefined` when it is not one tokenward wrote: not a string, not
 * JSON, an unknown version, or a token with any field missing or of the wrong type. Never throws.
 */
export function decodeEntry(value: unknown): StoredEntry | undefined {
  if (typeof value !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || (parsed.v !== 1 && parsed.v !== 2)) return undefined;
  const token = decodeToken(parsed.token);
  if (token === undefined) return undefined;
  if (parsed.v === 1) return { token, tailMs: 0 };
  const tailMs = parsed.tailMs;
  return typeof tailMs === 'number' && Number.isFinite(tailMs) && tailMs > 0 ? { token, tailMs } : undefined;
}

/** A token with every field checked, and only the fields a {@link Token} has. */
function decodeToken(t: unknown): Token | undefined {
  if (!isRecord(t)) return undefined;
  const { accessToken, tokenType, expiresAt, receivedAt, raw, refreshToken, refreshExpiresAt, scope, idToken, issuedTokenType } = t;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  if (typeof tokenType !== 'string' || tokenType === '') return undefined;
  if (!isFiniteNumber(expiresAt) || !isFiniteNumber(receivedAt) || !isRecord(raw)) return undefined;
  if (!optional(refreshToken, isNonEmptyString) || !optional(refreshExpiresAt, isFiniteNumber)) return undefined;
  if (!optional(scope, isString) || !optional(idToken, isString) || !optional(issuedTokenType, isString)) return undefined;
  return tokenFields({ accessToken, tokenType, expiresAt, receivedAt, raw, refreshToken, refreshExpiresAt, scope, idToken, issuedTokenType } as Token);
}

/** The fields of a {@link Token}, without keys whose value is `undefined` (JSON drops them anyway). */
function tokenFields(token: Token): Token {
  const out: { -readonly [K in keyof Token]: Token[K] } = {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    expiresAt: token.expiresAt,
    receivedAt: token.receivedAt,
    raw: token.raw,
  };
  if (token.refreshToken !== undefined) out.refreshToken = token.refreshToken;
  if (token.refreshExpiresAt !== undefined) out.refreshExpiresAt = token.refreshExpiresAt;
  if (token.scope !== undefined) out.scope = token.scope;
  if (token.idToken !== undefined) out.idToken = token.idToken;
  if (token.issuedTokenType !== undefined) out.issuedTokenType = token.issuedTokenType;
  return out;
}

function optional<T>(value: unknown, check: (v: unknown) => v is T): boolean {
  return value === undefined || check(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
