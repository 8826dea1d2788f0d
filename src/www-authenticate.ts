/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1, RFC 6750 §3): several challenges in one header, each a
 * scheme followed by a token68 or comma-separated auth-params whose values may be quoted strings.
 * @module
 */

/** One challenge. */
export interface Challenge {
  /** The scheme as sent (`Bearer`, `DPoP`, `Basic`); compare case-insensitively. */
  readonly scheme: string;
  /** Auth-params by lower-case name, quoted values unescaped. */
  readonly params: Readonly<Record<string, string>>;
  /** A token68 instead of auth-params, when the challenge carries one. */
  readonly token68?: string;
}

/** Longest header looked at: a hostile server cannot make parsing slow. */
const MAX_LENGTH = 8_192;

/**
 * The challenges in a `WWW-Authenticate` value (or several values). Never throws: what cannot be parsed
 * ends the list.
 */
export function parseWwwAuthenticate(header: string | readonly string[] | null | undefined): Challenge[] {
  if (header === undefined || header === null) return [];
  const text = (typeof header === 'string' ? header : header.join(', ')).slice(0, MAX_LENGTH);
  const out: Array<{ scheme: string; params: Record<string, string>; token68?: string }> = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
  };
  const tokenAt = (): string => {
    const m = /^[!#$%&'*+.^_`|~\w-]+/.exec(text.slice(i, i + 256));
    return m ? m[0] : '';
  };
  while (i < text.length) {
    ws();
    const scheme = tokenAt();
    if (scheme === '') break;
    i += scheme.length;
    const challenge: { scheme: string; params: Record<string, string>; token68?: string } = { scheme, params: {} };
    out.push(challenge);
    // Auth-params (name=value, ...) until the next challenge's scheme (a token followed by a space or the end).
    for (;;) {
      while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
      const start = i;
      const name = tokenAt();
      if (name === '') {
        if (text[i] === ',') {
          i++;
          continue;
        }
        break;
      }
      let j = i + name.length;
      while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] !== '=') {
        // Not an auth-param: the next challenge's scheme starts here.
        i = start;
        break;
      }
      // `name=` followed by `=`/end is a token68 (`Negotiate abc==`).
      let k = j + 1;
      while (k < text.length && text[k] === '=') k++;
      if (Object.keys(challenge.params).length === 0 && (k >= text.length || text[k] === ',' || k > j + 1)) {
        challenge.token68 = text.slice(start, k).trim();
        i = k;
        continue;
      }
      k = j + 1;
      while (k < text.length && (text[k] === ' ' || text[k] === '\t')) k++;
      let value = '';
      if (text[k] === '"') {
        k++;
        while (k < text.length && text[k] !== '"') {
          if (text[k] === '\\' && k + 1 < text.length) k++;
          value += text[k];
          k++;
        }
        k++;
      } else {
        const m = /^[^\s,]*/.exec(text.slice(k, k + MAX_LENGTH));
        value = m ? m[0] : '';
        k += value.length;
      }
      challenge.params[name.toLowerCase()] = value;
      i = k;
      while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
      if (text[i] === ',') i++;
    }
  }
  return out;
}
