/**
 * Redaction of answer bodies before any part of them reaches an error or an event.
 * @module
 */

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
 * A short excerpt of an answer body that is safe to put in an error: values of token-, secret- and
 * password-like fields are hidden in JSON, form and XML bodies, known secrets are scrubbed, and the
 * result is cut to 200 characters. Only the first 4 KB of the body are looked at.
 */
export function excerpt(body: string, secrets: Iterable<string | undefined> = []): string {
  const cut = body.length > SCAN_LIMIT;
  let text = (cut ? body.slice(0, SCAN_LIMIT) : body)
    // JSON: "access_token": "..."  (also keys in any case, and single quotes some servers use)
    .replace(/(["']([^"']*)["']\s*:\s*)("(?:[^"\\]|\\.)*"|'[^']*')/g, (m, prefix: string, key: string) =>
      SECRET_KEY.test(key) ? `${prefix}"${REDACTED}"` : m,
    )
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
  text = text
    // An echoed Authorization header (debug pages, some proxies): whoever's credentials they are.
    // 16+ characters, so prose such as "Bearer authentication" stays readable.
    .replace(/\b(Basic|Bearer)(\s+)[\w+/=.~-]{16,}/gi, `$1$2${REDACTED}`)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT_LIMIT ? `${text.slice(0, EXCERPT_LIMIT)}…` : text;
}

/**
 * Hides the start of a secret that a cut body ends with: an unterminated JSON string or XML element
 * of a secret field, an Authorization value, or the first characters of a known secret.
 */
function redactTail(text: string, secrets: Iterable<string | undefined>): string {
  let out = text
    .replace(/(["']([^"']*)["']\s*:\s*)("(?:[^"\\]|\\.)*\\?|'[^']*)$/, (m, prefix: string, key: string) => (SECRET_KEY.test(key) ? `${prefix}"${REDACTED}` : m))
    .replace(/<([\w:-]{1,64})(\s[^<>]*)?>[^<]*$/, (m, tag: string, attrs: string | undefined) => (SECRET_KEY.test(tag) ? `<${tag}${attrs ?? ''}>${REDACTED}` : m))
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
