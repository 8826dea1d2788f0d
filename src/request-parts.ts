/**
 * Small facts about requests that `tm.fetch`, the undici interceptor and the options all need, each in
 * one place so the copies cannot drift (they had: one `isReplayableBody` forgot `URLSearchParams`).
 * @module
 */

/** Whether `text` starts with a URL scheme (`https:`, `urn:`): an absolute URL rather than a path. */
export function hasScheme(text: string): boolean {
  return /^[a-z][a-z\d+.-]*:/i.test(text);
}

/**
 * Whether a request body can be sent twice: none, a string, bytes, `URLSearchParams`, a `Blob` or
 * `FormData` (from any copy of undici). A stream can be read once only, so a request with one is never
 * replayed.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { Readable } from 'node:stream';
 * import { isReplayableBody } from 'tokenward';
 *
 * isReplayableBody(JSON.stringify({ id: 1 })); // true: a 401 is replayed with a new token
 * isReplayableBody(Readable.toWeb(createReadStream('upload.bin'))); // false: the caller gets the 401
 * ```
 */
export function isReplayableBody(body: unknown): boolean {
  if (body === undefined || body === null || typeof body === 'string') return true;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true;
  if (body instanceof URLSearchParams) return true;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return true;
  if (typeof FormData !== 'undefined' && body instanceof FormData) return true;
  // FormData/Blob from another copy of undici (the npm package) are not instances of the globals.
  const tag = Object.prototype.toString.call(body);
  return tag === '[object FormData]' || tag === '[object Blob]' || tag === '[object File]' || tag === '[object URLSearchParams]';
}

/** Header collections in every shape `fetch` and undici accept. */
export type AnyHeaders =
  | Headers
  | ReadonlyArray<readonly [string, string]>
  | ReadonlyArray<string | Buffer>
  | Iterable<readonly [string, string | string[] | undefined]>
  | Readonly<Record<string, string | string[] | undefined>>
  | null
  | undefined;

/**
 * A copy of `headers` in which `name` (lower case) has exactly the value `value`, every other header
 * untouched and any existing spelling of `name` dropped. The shape is kept where it matters: a
 * `Headers` stays a `Headers`, `[name, value]` pairs stay pairs, undici's flat `[name, value, ...]` list
 * stays flat, any other iterable becomes a flat list, and a record stays a record.
 */
export function withHeader<T extends AnyHeaders>(headers: T, name: string, value: string): T;
export function withHeader(headers: AnyHeaders, name: string, value: string): AnyHeaders {
  if (headers === undefined || headers === null) return { [name]: value };
  if (Array.isArray(headers)) {
    if (headers.length > 0 && !Array.isArray(headers[0])) {
      // undici's flat form: [name, value, name, value, ...].
      const out: Array<string | Buffer> = [];
      for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() !== name) out.push(headers[i] as string, headers[i + 1] as string);
      out.push(name, value);
      return out;
    }
    const pairs = headers as ReadonlyArray<readonly [string, string]>;
    return [...pairs.filter(([k]) => k.toLowerCase() !== name), [name, value]];
  }
  // A `Headers` from any copy of undici (a `Map` has get/set too, but no append).
  if (typeof (headers as Headers).append === 'function' && typeof (headers as Headers).set === 'function') {
    const copy = new Headers(headers as Headers);
    copy.set(name, value);
    return copy;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    // A `Map`, or any other iterable of [name, value] pairs: flattened, multi-values kept.
    const out: string[] = [];
    for (const [k, v] of headers as Iterable<readonly [string, string | string[] | undefined]>) {
      if (k.toLowerCase() === name || v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) out.push(k, item);
      else out.push(k, v as string);
    }
    out.push(name, value);
    return out;
  }
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  const out: Record<string, string | string[] | undefined> = {};
  for (const k in record) if (k.length !== name.length || k.toLowerCase() !== name) out[k] = record[k];
  out[name] = value;
  return out;
}
