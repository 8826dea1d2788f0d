/**
 * Redaction of answer bodies before any part of them reaches an error or an event.
 * @module
 */
import { bodyShape } from './body-shape.js';

/** Keys whose values are always hidden, whatever the server: tokens, secrets, passwords, assertions. */
const SECRET_KEY = /token|secret|password|passwd|assertion|session_state|code_verifier|^code$/i;
const EXCERPT_LIMIT = 200;
/**
 * Characters of a body looked at for an excerpt. The excerpt shows 200; cutting first keeps every
 * pattern below cheap on a multi-megabyte error page, whatever it holds.
 */
const SCAN_LIMIT = 4_096;
const REDACTED = '[redacted]';

/** Raw, percent-encoded, form-encoded, and JSON-escaped (`DOMAIN\\user`, `p\"w` echoed in a JSON body). */
function spellings(secret: string): Set<string> {
  return new Set([secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)]);
}

/** Replaces every occurrence of each secret (and its encoded spellings) with `[redacted]`. */
export function scrub(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would redact half the alphabet and hide the useful part of the message.
    if (secret === undefined || secret.length < 4) continue;
    for (const spelling of spellings(secret)) {
      out = out.split(spelling).join(REDACTED);
    }
  }
  return out;
}

/**
 * A run of 32 or more characters that tokens are made of (base64, base64url, hex, UUIDs, percent- or
 * JSON-escaped spellings of those) counts as a token. Two kinds of run stay: fewer than 8 distinct
 * characters (separators such as `-----`, padding), and words only, in lower or CamelCase, joined by
 * `. / - _ :` (`InvalidAuthenticationTokenTenant`, `org.keycloak.services.ErrorResponseException`, a
 * file path). Random material almost never reads as words: a 32-character base64url token does with a
 * probability far below one in a million.
 */
const OPAQUE = /[A-Za-z0-9\-._~+/=%\\:]{32,}/g;
const OPAQUE_MIN_DISTINCT = 8;
const WORD = /^[A-Z]?[a-z]*(?:[A-Z][a-z]+)*$/;
/** A JWT (JWS or JWE, any length): its header is base64url JSON, so it starts with `eyJ` (`{"`). */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

/**
 * A short excerpt of an answer body that is safe to put in an error, cut to 200 characters.
 *
 * - A 2xx answer (`status` 200–299) shows its shape only, never a value: keys, element names, types and
 *   lengths (`{"jwt":<string 412 chars>}`, `<text 812 chars>`). A success the parser could not use
 *   may hold a live token under any name.
 * - Any other answer stays readable (OAuth error codes, descriptions, an HTML page's title), with the
 *   values of token-, secret- and password-like fields hidden in JSON, form and XML bodies.
 * - In both, known `secrets` are scrubbed, and anything that looks like a JWT or a long opaque string
 *   (32+ characters of a token alphabet) or an echoed `Basic`/`Bearer` credential is replaced by
 *   `[redacted]`. Only the first 4 KB of an error body are looked at.
 */
export function excerpt(body: string, status: number, secrets: Iterable<string | undefined> = []): string {
  const known = [...secrets];
  const text = status >= 200 && status < 300 ? scrub(bodyShape(body, SCAN_LIMIT), known) : errorText(body, known);
  const safe = maskTokens(text).replace(/\s+/g, ' ').trim();
  return safe.length > EXCERPT_LIMIT ? `${safe.slice(0, EXCERPT_LIMIT)}…` : safe;
}

/** An error body's first 4 KB with secret-named fields hidden (JSON, XML, form) and echoed credentials masked. */
function errorText(body: string, secrets: Array<string | undefined>): string {
  const cut = body.length > SCAN_LIMIT;
  let text = (cut ? body.slice(0, SCAN_LIMIT) : body)
    // JSON: "access_token": "..."  (also keys in any case, and single quotes some servers use)
    .replace(/(["']([^"']*)["']\s*:\s*)("(?:[^"\\]|\\.)*"|'[^']*')/g, (m, prefix: string, key: string) => (SECRET_KEY.test(key) ? `${prefix}"${REDACTED}"` : m))
    // XML: <access_token>...</access_token>. Tag names are bounded and attributes stop at `<`, so the
    // pattern stays linear on a body such as `<aaaa…` (an unbounded one took seconds on 40 KB).
    .replace(/<([\w:-]{1,64})(\s[^<>]*)?>([^<]*)<\/\1>/g, (m, tag: string, attrs: string | undefined) =>
      SECRET_KEY.test(tag) ? `<${tag}${attrs ?? ''}>${REDACTED}</${tag}>` : m,
    )
    // form: access_token=...&
    .replace(/(^|&)([^=&\s]+)=([^&]*)/g, (m, lead: string, key: string) => (SECRET_KEY.test(decodeSafe(key)) ? `${lead}${key}=${REDACTED}` : m));
  text = scrub(text, secrets);
  // The cut may fall inside a value: what is left of it at the end matches none of the patterns above.
  if (cut) text = redactTail(text, secrets);
  // An echoed Authorization header (debug pages, some proxies): whoever's credentials they are.
  // 16+ characters, so prose such as "Bearer authentication" stays readable.
  return text.replace(/\b(Basic|Bearer)(\s+)[\w+/=.~-]{16,}/gi, `$1$2${REDACTED}`);
}

/** Replaces JWTs and long opaque runs, whoever's they are: tokens the caller could not name as secrets. */
export function maskTokens(text: string): string {
  return text.replace(JWT, REDACTED).replace(OPAQUE, (run) => (new Set(run).size < OPAQUE_MIN_DISTINCT || readsAsWords(run) ? run : REDACTED));
}

function readsAsWords(run: string): boolean {
  return run.split(/[./_:-]+/).every((segment) => WORD.test(segment));
}

/**
 * Hides the start of a secret that a cut body ends with: an unterminated JSON string or XML element
 * of a secret field, an Authorization value, or the first characters of a known secret.
 */
function redactTail(text: string, secrets: Iterable<string | undefined>): string {
  let out = text
    .replace(/(["']([^"']*)["']\s*:\s*)("(?:[^"\\]|\\.)*\\?|'[^']*)$/, (m, prefix: string, key: string) => (SECRET_KEY.test(key) ? `${prefix}"${REDACTED}` : m))
    .replace(/<([\w:-]{1,64})(\s[^<>]*)?>[^<]*$/, (m, tag: string, attrs: string | undefined) =>
      SECRET_KEY.test(tag) ? `<${tag}${attrs ?? ''}>${REDACTED}` : m,
    )
    .replace(/\b(Basic|Bearer)(\s+)[\w+/=.~-]+$/i, `$1$2${REDACTED}`);
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) continue;
    for (const spelling of spellings(secret)) {
      // The longest start of the secret that the text ends with.
      for (let i = Math.max(0, out.length - spelling.length + 1); i < out.length; i++) {
        if (out.charCodeAt(i) === spelling.charCodeAt(0) && spelling.startsWith(out.slice(i))) {
          out = `${out.slice(0, i)}${REDACTED}`;
          break;
        }
      }
    }
  }
  return out;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
