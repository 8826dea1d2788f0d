/**
 * Redaction of answer bodies before any part of them reaches an error or an event.
 * @module
 */

/** Keys whose values are always hidden, whatever the server: tokens, secrets, passwords, assertions. */
const SECRET_KEY = /token|secret|password|passwd|assertion|session_state|code_verifier|^code$/i;
const EXCERPT_LIMIT = 200;
const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret (and its encoded spellings) with `[redacted]`. */
export function scrub(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would redact half the alphabet and hide the useful part of the message.
    if (secret === undefined || secret.length < 4) continue;
    // Raw, percent-encoded, form-encoded, and JSON-escaped (`DOMAIN\\user`, `p\"w` echoed in a JSON body).
    const spellings = [secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)];
    for (const spelling of new Set(spellings)) {
      out = out.split(spelling).join(REDACTED);
    }
  }
  return out;
}

/**
 * A short excerpt of an answer body that is safe to put in an error: values of token-, secret- and
 * password-like fields are hidden in JSON, form and XML bodies, known secrets are scrubbed, and the
 * result is cut to 200 characters.
 */
export function excerpt(body: string, secrets: Iterable<string | undefined> = []): string {
  let text = body
    // JSON: "access_token": "..."  (also keys in any case, and single quotes some servers use)
    .replace(/(["']([^"']*)["']\s*:\s*)("(?:[^"\\]|\\.)*"|'[^']*')/g, (m, prefix: string, key: string) =>
      SECRET_KEY.test(key) ? `${prefix}"${REDACTED}"` : m,
    )
    // XML: <access_token>...</access_token>
    .replace(/<([\w:-]+)([^>]*)>([^<]*)<\/\1>/g, (m, tag: string, attrs: string) => (SECRET_KEY.test(tag) ? `<${tag}${attrs}>${REDACTED}</${tag}>` : m))
    // form: access_token=...&
    .replace(/(^|&)([^=&\s]+)=([^&]*)/g, (m, lead: string, key: string) => (SECRET_KEY.test(decodeSafe(key)) ? `${lead}${key}=${REDACTED}` : m));
  text = scrub(text, secrets)
    // An echoed Authorization header (debug pages, some proxies): whoever's credentials they are.
    // 16+ characters, so prose such as "Bearer authentication" stays readable.
    .replace(/\b(Basic|Bearer)(\s+)[\w+/=.~-]{16,}/gi, `$1$2${REDACTED}`)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT_LIMIT ? `${text.slice(0, EXCERPT_LIMIT)}…` : text;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
