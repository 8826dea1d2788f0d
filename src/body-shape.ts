/**
 * The shape of an answer body without any of its values: what a 2xx excerpt shows. A 2xx answer the
 * parser could not use may still hold a live token under a name nobody expected (`{"jwt":"eyJ…"}`, a
 * bare token as `text/plain`, an HTML `form_post` page with hidden inputs), so only keys, element
 * names, types and lengths leave it. Every scanner here is a single forward pass that stops once the
 * shape is long enough, so a hostile multi-megabyte body costs one linear read at most.
 * @module
 */

/**
 * `{"jwt":<string 412 chars>,"sid":<string 36 chars>}`, `<text 812 chars>`, `access_token=<43 chars>&…`,
 * `<r><access_token>[24 chars]</access_token></r>`, or `<empty>`. Stops after about `limit` characters.
 */
export function bodyShape(body: string, limit: number): string {
  const text = (body.charCodeAt(0) === 0xfeff ? body.slice(1) : body).trim();
  if (text === '') return '<empty>';
  const first = text[0];
  if (first === '{' || first === '[') return jsonShape(text, limit);
  if (first === '<') return markupShape(text, limit);
  if (isFormLike(text)) return formShape(text, limit);
  return `<text ${text.length} chars>`;
}

/**
 * A lexical pass over JSON (also truncated or with trailing commas): structure and keys are kept, every
 * value becomes its type (and a string its length). A string counts as a key when a `:` follows it.
 */
function jsonShape(text: string, limit: number): string {
  let out = '';
  let i = 0;
  while (i < text.length && out.length <= limit) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      const closed = end < text.length;
      let next = end + 1;
      while (next < text.length && isSpace(text.charCodeAt(next))) next++;
      // A very long key is no name a person reads (a token used as a key?): its length only.
      if (closed && text[next] === ':') out += end - i > 100 ? `<key ${end - i - 1} chars>` : text.slice(i, end + 1);
      else out += closed ? `<string ${end - i - 1} chars>` : `<string ${text.length - i - 1}+ chars…>`;
      i = end + 1;
    } else if ('{}[],:'.includes(c)) {
      out += c;
      i++;
    } else if (isSpace(text.charCodeAt(i))) {
      i++;
    } else {
      // A number, true/false/null, or something that is not JSON at all: one word of it.
      let j = i;
      while (j < text.length && !'{}[],:"'.includes(text[j]!) && !isSpace(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      out += word === 'null' ? 'null' : word === 'true' || word === 'false' ? '<boolean>' : /^-?\d/.test(word) ? '<number>' : '<?>';
      i = j;
    }
  }
  return i < text.length ? `${out}…` : out;
}

/** Index of the quote closing the string opened at `start`, or `text.length` when it never closes. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

/**
 * XML or HTML as its element names only: attributes become `…` (a `form_post` page carries the token in
 * `value="…"`), text becomes its length, comments and declarations are elided. The next `<` and `>` are
 * found once and only move forward, so `<<<<…` stays linear.
 */
function markupShape(text: string, limit: number): string {
  let out = '';
  let i = 0;
  let nextLt = text.indexOf('<');
  let nextGt = text.indexOf('>');
  while (i < text.length && out.length <= limit) {
    if (nextLt !== -1 && nextLt < i) nextLt = text.indexOf('<', i);
    if (nextGt !== -1 && nextGt < i) nextGt = text.indexOf('>', i);
    if (nextLt !== i) {
      const end = nextLt === -1 ? text.length : nextLt;
      const length = text.slice(i, end).trim().length;
      if (length > 0) out += `[${length} chars]`;
      i = end;
      continue;
    }
    // A `<` with no `>` before the next `<` is text, not a tag.
    const afterLt = text.indexOf('<', i + 1);
    if (nextGt === -1 || (afterLt !== -1 && afterLt < nextGt)) {
      const end = afterLt === -1 ? text.length : afterLt;
      out += `[${end - i} chars]`;
      i = end;
      nextLt = afterLt;
      continue;
    }
    out += tagShape(text.slice(i + 1, nextGt));
    i = nextGt + 1;
    // No `<` lies between this one and `afterLt`, so the next one is already known.
    nextLt = afterLt;
  }
  return i < text.length ? `${out}…` : out;
}

function tagShape(inner: string): string {
  if (inner.startsWith('!') || inner.startsWith('?')) return `<${inner[0]}…>`;
  const m = /^(\/?)([A-Za-z_][\w:.-]{0,63})/.exec(inner);
  if (!m) return `[${inner.length + 2} chars]`;
  const rest = inner.slice(m[0].length).trim();
  const selfClosing = rest.endsWith('/');
  const attrs = (selfClosing ? rest.slice(0, -1) : rest).trim() !== '';
  return `<${m[1]}${m[2]}${attrs ? ' …' : ''}${selfClosing ? '/' : ''}>`;
}

/** `a=1&b=2`: no white space, and every `&`-separated part has a name and an `=`. */
function isFormLike(text: string): boolean {
  if (/\s/.test(text.slice(0, 4_096))) return false;
  return text.split('&', 64).every((part) => /^[^=]+=/.test(part));
}

function formShape(text: string, limit: number): string {
  let out = '';
  for (let start = 0; start < text.length; ) {
    const amp = text.indexOf('&', start);
    const end = amp === -1 ? text.length : amp;
    const eq = text.indexOf('=', start);
    const part = eq !== -1 && eq < end ? `${decodeName(text.slice(start, eq))}=<${end - eq - 1} chars>` : `<${end - start} chars>`;
    out += out === '' ? part : `&${part}`;
    start = end + 1;
    if (out.length > limit && start < text.length) return `${out}…`;
  }
  return out;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
