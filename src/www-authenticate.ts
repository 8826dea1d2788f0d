/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1, RFC 6750 §3): what a resource server says about the
 * token it refused, read as challenges rather than searched for substrings. `invalid_token` inside an
 * `error_description` or a `realm`, or a proxy's `Basic realm=…`, is not a rejected token.
 * @module
 */

/**
 * One challenge of a `WWW-Authenticate` header, as {@link parseWwwAuthenticate} returns it.
 *
 * @example
 * ```ts
 * import { parseWwwAuthenticate, type Challenge } from 'tokenward';
 *
 * const res = await tm.fetch('https://api.example.com/v1/admin');
 * const challenges: Challenge[] = parseWwwAuthenticate(res.headers.get('www-authenticate'));
 * const needed = challenges.find((c) => c.params.error === 'insufficient_scope')?.params.scope;
 * ```
 */
export interface Challenge {
  /** The auth scheme as sent (`Bearer`, `DPoP`, `Basic`, ...); compare it case-insensitively. */
  readonly scheme: string;
  /** Auth-params by lower-case name, values unquoted. A name sent twice keeps its first value. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (`Negotiate YIIG…`), when the challenge carries one instead of params. */
  readonly token68?: string;
}

/**
 * Longest header text looked at, characters. Real challenges are a few hundred characters (Entra's
 * with a `claims` blob about 400); beyond this a header is hostile or broken, and the rest is ignored.
 */
const MAX_LENGTH = 8_192;

/**
 * Parses `WWW-Authenticate` into its challenges. Takes the header as `Headers.get` gives it (several
 * header lines joined by `, `), or as undici's raw headers give it (one string per line). Several
 * challenges per header, auth-params separated by commas, quoted strings with backslash escapes, a
 * token68, any case in schemes and parameter names, and stray white space or empty list elements are
 * all read. Never throws: what cannot be read is skipped up to the next comma. Runs in linear time,
 * over at most the first 8 KB.
 *
 * @example
 * ```ts
 * import { parseWwwAuthenticate } from 'tokenward';
 *
 * parseWwwAuthenticate('Bearer realm="api", error="invalid_token", error_description="expired", Basic realm="proxy"');
 * // [{ scheme: 'Bearer', params: { realm: 'api', error: 'invalid_token', error_description: 'expired' } },
 * //  { scheme: 'Basic', params: { realm: 'proxy' } }]
 * ```
 */
export function parseWwwAuthenticate(header: string | readonly string[] | null | undefined): Challenge[] {
  if (header === null || header === undefined) return [];
  const text = typeof header === 'string' ? header : Array.isArray(header) ? header.filter((h) => typeof h === 'string').join(', ') : '';
  return new Reader(text.length > MAX_LENGTH ? text.slice(0, MAX_LENGTH) : text).challenges();
}

/**
 * The first challenge with this scheme (compared case-insensitively).
 *
 * @example
 * ```ts
 * import { findChallenge, parseWwwAuthenticate } from 'tokenward';
 *
 * findChallenge(parseWwwAuthenticate('Basic realm="proxy", bearer realm="api"'), 'Bearer')?.params.realm; // 'api'
 * ```
 */
export function findChallenge(challenges: readonly Challenge[], scheme: string): Challenge | undefined {
  const wanted = scheme.toLowerCase();
  return challenges.find((c) => c.scheme.toLowerCase() === wanted);
}

/**
 * The RFC 6750 `error` of the first `Bearer` or `DPoP` challenge that has one (`invalid_token`, `insufficient_scope`, ...).
 *
 * @example
 * ```ts
 * import { bearerError, parseWwwAuthenticate } from 'tokenward';
 *
 * bearerError(parseWwwAuthenticate('Bearer error="insufficient_scope", scope="orders:write"')); // 'insufficient_scope'
 * ```
 */
export function bearerError(challenges: readonly Challenge[]): string | undefined {
  return challenges.find((c) => isTokenScheme(c.scheme) && c.params.error !== undefined)?.params.error;
}

/**
 * Whether the response says "this access token is rejected": a `Bearer` or `DPoP` challenge whose
 * `error` is exactly `invalid_token` (RFC 6750 §3.1). Not `insufficient_scope` (a new token would not
 * have more scope), not a `Basic` challenge from a proxy, not the words inside a description or realm.
 *
 * @example
 * ```ts
 * import { parseWwwAuthenticate, rejectsToken } from 'tokenward';
 *
 * rejectsToken(parseWwwAuthenticate('Bearer error="invalid_token", error_description="expired"')); // true
 * rejectsToken(parseWwwAuthenticate('Bearer realm="invalid_token"')); // false: only the error counts
 * ```
 */
export function rejectsToken(challenges: readonly Challenge[]): boolean {
  return challenges.some((c) => isTokenScheme(c.scheme) && c.params.error === 'invalid_token');
}

/**
 * Whether the response asks for a DPoP proof with a server nonce: a `DPoP` challenge with
 * `error="use_dpop_nonce"` (RFC 9449 §9). The nonce itself comes in the `DPoP-Nonce` header.
 *
 * @example
 * ```ts
 * import { asksForDpopNonce, parseWwwAuthenticate } from 'tokenward';
 *
 * asksForDpopNonce(parseWwwAuthenticate('DPoP error="use_dpop_nonce", error_description="Resource server requires nonce"')); // true
 * ```
 */
export function asksForDpopNonce(challenges: readonly Challenge[]): boolean {
  return challenges.some((c) => c.scheme.toLowerCase() === 'dpop' && c.params.error === 'use_dpop_nonce');
}

function isTokenScheme(scheme: string): boolean {
  const s = scheme.toLowerCase();
  return s === 'bearer' || s === 'dpop';
}

/** tchar (RFC 9110 §5.6.2): the characters of a scheme, a parameter name, or an unquoted value. */
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** token68 (RFC 9110 §11.2): these characters, then any number of `=`. */
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/**
 * A cursor over the header. Every method moves forward or returns without moving, and every loop in
 * `challenges()` consumes at least one character per turn, which keeps the whole parse linear.
 */
class Reader {
  #pos = 0;
  constructor(readonly text: string) {}

  challenges(): Challenge[] {
    const out: Challenge[] = [];
    while (this.#skipSeparators()) {
      const scheme = this.#token();
      if (scheme === '') {
        this.#skipToComma();
        continue;
      }
      out.push(this.#challengeBody(scheme));
    }
    return out;
  }

  /** What follows a scheme: nothing, a token68, or auth-params up to where the next challenge starts. */
  #challengeBody(scheme: string): Challenge {
    const hadSpace = this.#skipSpaces();
    if (this.#atEnd() || this.#peek() === ',' || !hadSpace) {
      // `Basic, Bearer` or a scheme glued to garbage: a challenge without parameters.
      if (!this.#atEnd() && this.#peek() !== ',') this.#skipToComma();
      return { scheme, params: {} };
    }
    const token68 = this.#token68();
    if (token68 !== undefined) return { scheme, params: {}, token68 };
    const params: Array<[string, string]> = [];
    const seen = new Set<string>();
    for (;;) {
      const param = this.#param();
      if (param && !seen.has(param[0])) {
        seen.add(param[0]);
        params.push(param);
      }
      if (!param) this.#skipToComma();
      // Another parameter of this challenge (after a comma, or only white space from servers that
      // forget the comma), or else the next challenge, which starts after the next comma.
      if (this.#paramFollows()) continue;
      this.#skipSpaces();
      if (this.#atEnd() || this.#peek() === ',') break;
      this.#skipToComma();
      if (!this.#paramFollows()) break;
    }
    return { scheme, params: Object.fromEntries(params) };
  }

  /** `name BWS = BWS (token / quoted-string)`, or `undefined` (nothing consumed beyond the bad part). */
  #param(): [string, string] | undefined {
    const name = this.#token();
    if (name === '') return undefined;
    this.#skipSpaces();
    if (this.#peek() !== '=') return undefined;
    this.#pos++;
    this.#skipSpaces();
    const value = this.#peek() === '"' ? this.#quoted() : this.#token();
    if (value === '' && this.text[this.#pos - 1] !== '"') return undefined;
    return [name.toLowerCase(), value];
  }

  /**
   * Skips commas and white space when a parameter of the same challenge follows them (`token BWS "="`),
   * and reports whether one does. Otherwise the cursor does not move: what follows is the next challenge.
   */
  #paramFollows(): boolean {
    const start = this.#pos;
    while (this.#peek() === ',' || this.#isSpace(this.#peek())) this.#pos++;
    const afterSeparators = this.#pos;
    const name = this.#token();
    this.#skipSpaces();
    const follows = name !== '' && this.#peek() === '=';
    this.#pos = follows ? afterSeparators : start;
    return follows;
  }

  /** A token68 that ends the challenge (followed by a comma or the end), else `undefined` without moving. */
  #token68(): string | undefined {
    const start = this.#pos;
    while (!this.#atEnd() && TOKEN68_CHAR.test(this.#peek())) this.#pos++;
    if (this.#pos === start) return undefined;
    while (this.#peek() === '=') this.#pos++;
    const value = this.text.slice(start, this.#pos);
    this.#skipSpaces();
    if (this.#atEnd() || this.#peek() === ',') return value;
    this.#pos = start;
    return undefined;
  }

  /** A quoted-string at the cursor, unescaped; an unterminated one runs to the end. */
  #quoted(): string {
    let out = '';
    let from = ++this.#pos;
    while (!this.#atEnd()) {
      const c = this.text[this.#pos];
      if (c === '"') {
        out += this.text.slice(from, this.#pos++);
        return out;
      }
      if (c === '\\') {
        out += this.text.slice(from, this.#pos);
        this.#pos++;
        from = this.#pos;
        if (!this.#atEnd()) this.#pos++;
        continue;
      }
      this.#pos++;
    }
    return out + this.text.slice(from);
  }

  #token(): string {
    const start = this.#pos;
    while (!this.#atEnd() && TCHAR.test(this.#peek())) this.#pos++;
    return this.text.slice(start, this.#pos);
  }

  /** Skips spaces, commas and empty list elements; false at the end. */
  #skipSeparators(): boolean {
    while (!this.#atEnd() && (this.#peek() === ',' || this.#isSpace(this.#peek()))) this.#pos++;
    return !this.#atEnd();
  }

  /** Skips to the next comma outside a quoted string (or the end), for recovery after something unreadable. */
  #skipToComma(): void {
    while (!this.#atEnd() && this.#peek() !== ',') {
      if (this.#peek() === '"') this.#quoted();
      else this.#pos++;
    }
  }

  #skipSpaces(): boolean {
    const start = this.#pos;
    while (this.#isSpace(this.#peek())) this.#pos++;
    return this.#pos > start;
  }

  #isSpace(c: string): boolean {
    return c === ' ' || c === '\t' || c === '\r' || c === '\n';
  }

  #peek(): string {
    return this.text[this.#pos] ?? '';
  }

  #atEnd(): boolean {
    return this.#pos >= this.text.length;
  }
}
