/**
 * What the CLI prints about tokens and HTTP exchanges, redacted: a token as its first and last few
 * characters, credentials in headers hidden, JWT header and claims decoded (a JWT's signature is never
 * printed), times in local time and as "in 14 min".
 * @module
 */

/** A value shorter than this is shown as its length only: a few characters of it would be too much of it. */
const MIN_PARTIAL = 24;
const SHOWN = 4;

/** `eyJh…x9Qw (1043 chars)`: enough to tell two tokens apart, never enough to use one. */
export function redactToken(value: string): string {
  if (value.length < MIN_PARTIAL) return `[${value.length} chars]`;
  return `${value.slice(0, SHOWN)}…${value.slice(-SHOWN)} (${value.length} chars)`;
}

/** Headers whose whole value is a credential. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-amz-security-token)$/i;
/** Other headers that may carry one, by name. */
const SECRET_HEADER = /token|secret|password|session|key|credential/i;

/**
 * A header value as `--verbose` shows it: `Bearer eyJh…x9Qw (1043 chars)` for a bearer token (so a
 * replay with a new token is visible), `Basic [redacted]` (its base64 is the client secret),
 * `[redacted]` for cookies and other credential headers, known secrets scrubbed from the rest.
 */
export function redactHeader(name: string, value: string, scrubber: (text: string) => string): string {
  if (/^(proxy-)?authorization$/i.test(name)) {
    const [scheme = '', credentials = ''] = value.split(/\s+(.*)/s);
    if (/^bearer$/i.test(scheme) && credentials !== '') return `${scheme} ${redactToken(credentials)}`;
    return credentials === '' ? '[redacted]' : `${scheme} [redacted]`;
  }
  if (CREDENTIAL_HEADER.test(name) || SECRET_HEADER.test(name)) return '[redacted]';
  return scrubber(value);
}

/** A decoded JWT: header and claims; the signature is dropped. `encrypted` for a JWE, whose claims cannot be read. */
export type DecodedJwt =
  | { readonly header: Record<string, unknown>; readonly claims: Record<string, unknown> }
  | { readonly encrypted: true; readonly header: Record<string, unknown> };

/** The JWT's header and claims, or `undefined` when `value` is not a JWT. Verifies nothing. */
export function decodeJwt(value: string): DecodedJwt | undefined {
  const parts = value.split('.');
  if (parts.length !== 3 && parts.length !== 5) return undefined;
  const header = decodePart(parts[0]!);
  if (header === undefined || (typeof header.alg !== 'string' && typeof header.enc !== 'string')) return undefined;
  if (parts.length === 5) return { encrypted: true, header };
  const claims = decodePart(parts[1]!);
  return claims === undefined ? undefined : { header, claims };
}

function decodePart(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const pad = (n: number, width = 2) => String(Math.trunc(n)).padStart(width, '0');

/** `2025-05-01 14:03:12 +10:00`: local time with its UTC offset, the same in every locale. */
export function formatLocalTime(epochMs: number): string {
  const d = new Date(epochMs);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(abs / 60)}:${pad(abs % 60)}`;
}

/** `14 min`, `45 s`, `2 h 5 min`, `3 days`: a length of time as a person reads it. */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return `${Math.round(h / 24)} days`;
}

/** `expires in 14 min` or `expired 3 min ago`. */
export function expiresPhrase(expiresAt: number, now: number): string {
  return expiresAt > now ? `expires in ${formatDuration(expiresAt - now)}` : `expired ${formatDuration(now - expiresAt)} ago`;
}

/** Epoch seconds claims worth showing as times too. */
export const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);
