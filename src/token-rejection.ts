/**
 * Whether an API answer rejects the token it was sent with (RFC 6750 §3.1), from its status and
 * `WWW-Authenticate` challenges, parsed rather than substring-matched: `invalid_token` inside an
 * `error_description` or a realm is not a rejection, nor is a proxy's `Basic` challenge.
 * @module
 */
import { asksForDpopNonce, type Challenge, parseWwwAuthenticate, rejectsToken } from './www-authenticate.js';

/** Schemes a token is sent with; only their challenges speak about it. */
const TOKEN_SCHEMES = new Set(['bearer', 'dpop']);

/**
 * `true` when `status` and the `WWW-Authenticate` header(s) say the token was rejected: a 401 without
 * challenges (ASP.NET and Jim2 send none) or with a `Bearer`/`DPoP` one; or a 400/403 whose
 * `Bearer`/`DPoP` challenge carries `error="invalid_token"`. A 401 whose only challenges are for other
 * schemes (`Basic realm="proxy"`) is about something else, and so is `insufficient_scope`.
 */
export function isTokenRejection(status: number, header: string | readonly string[] | null | undefined): boolean {
  if (status !== 401 && status !== 400 && status !== 403) return false;
  if (status === 401 && (header === undefined || header === null || header.length === 0)) return true;
  const challenges = parseWwwAuthenticate(header).filter((c) => TOKEN_SCHEMES.has(c.scheme.toLowerCase()));
  // A 401 with a token challenge, unless it only asks for a fresh DPoP proof (RFC 9449 §9: not a rejected token).
  if (status === 401) return challenges.length > 0 && !(asksForDpopNonce(challenges) && !rejectsToken(challenges));
  return rejectsToken(challenges);
}

/** The token challenge of a rejection, for events and errors: scheme and its auth-params (no secrets in them). */
export function tokenChallenge(header: string | readonly string[] | null | undefined): Challenge | undefined {
  return parseWwwAuthenticate(header).find((c) => TOKEN_SCHEMES.has(c.scheme.toLowerCase()));
}
