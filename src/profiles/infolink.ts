/**
 * InfoLink (infolinkcloud.com; also inside Precisely EnterWorks).
 * @module
 */

import { defaultIsAuthFailure } from '../auth-fetch.js';
import type { TokenManagerOptions } from '../options.js';
import { checkInput, inputKeys, type ProfileOverrides, requireObject, requireString, siteBase, under, withOverrides } from './shared.js';

/**
 * What an InfoLink admin gives you (Configuration → Clients).
 *
 * @example
 * ```ts
 * import { infolink, type InfoLinkInput } from 'tokenward/profiles';
 *
 * const input: InfoLinkInput = { baseUrl: 'https://infolink.example.com/', clientId, clientSecret, username: 'etl', password };
 * const options = infolink(input);
 * ```
 */
export interface InfoLinkInput {
  /** The InfoLink server: `https://infolink.example.com/` (a Tomcat context path is fine). */
  baseUrl: string | URL;
  /** The client's id, from Configuration → Clients. */
  clientId: string;
  /** The client's secret. Sent in the body; never logged. */
  clientSecret: string;
  /** For the password grant (which also needs the client id and secret); else client_credentials. */
  username?: string;
  /** The user's password, with `username`. */
  password?: string;
}

const INFOLINK_KEYS = inputKeys<InfoLinkInput>({ baseUrl: true, clientId: true, clientSecret: true, username: true, password: true });

/** An error envelope is small; a bigger body is a real answer and is not read past this. */
const MAX_ENVELOPE_BYTES = 64 * 1024;

/**
 * InfoLink's "token rejected": a 401, `WWW-Authenticate: … invalid_token`, or the product's error
 * envelope `{"result":{"code":"invalid_grant",…},"status":"error"}`, which may come with HTTP 200 since
 * every InfoLink answer uses it. Reads a clone of JSON bodies only, so the caller still gets the body,
 * and at most 64 KiB of it: a streamed answer that is still arriving (or never ends) is decided from
 * its first bytes rather than awaited.
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 * import { isInfoLinkAuthFailure } from 'tokenward/profiles';
 *
 * // What infolink() sets; for an InfoLink behind your own options:
 * const tm = new TokenManager({ tokenUrl: 'https://infolink.example.com/api/v1/oauth2/token', clientId, clientSecret, isAuthFailure: isInfoLinkAuthFailure });
 * ```
 */
export async function isInfoLinkAuthFailure(response: Response): Promise<boolean> {
  if (defaultIsAuthFailure(response)) return true;
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return false;
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_ENVELOPE_BYTES) return false;
  try {
    const text = await readEnvelope(response.clone());
    if (text === undefined) return false;
    const body = JSON.parse(text) as { status?: unknown; result?: { code?: unknown } };
    return body?.status === 'error' && (body.result?.code === 'invalid_grant' || body.result?.code === 'invalid_token');
  } catch {
    return false;
  }
}

/**
 * The whole body of `response` if it can be InfoLink's error envelope, else `undefined` as soon as the
 * bytes so far rule that out: more than 64 KiB, or a shape the envelope never has (an array, or objects
 * nested deeper than `{"result":{"code":…}}` allows). So a chunked data answer that streams for minutes
 * (`{"result":{"rows":[…`) is answered on its first chunk, not awaited. The clone is cancelled after; the
 * caller's copy of the body is untouched.
 */
async function readEnvelope(clone: Response): Promise<string | undefined> {
  if (clone.body === null) return '';
  const reader = clone.body.getReader();
  const decoder = new TextDecoder();
  const shape = new EnvelopeShape();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      bytes += value.byteLength;
      if (bytes > MAX_ENVELOPE_BYTES) return undefined;
      const chunk = decoder.decode(value, { stream: true });
      if (!shape.feed(chunk)) return undefined;
      text += chunk;
    }
  } finally {
    // Only this branch of the tee is cancelled (not awaited: that would wait for the caller's branch too).
    reader.cancel().catch(() => {
      // Nothing to do: the clone is dropped either way.
    });
  }
}

/**
 * Tracks the JSON structure of a body as it arrives, just enough to tell that it is not an error envelope.
 * The envelope is an object holding `result` (an object of strings) and `status`: it has no arrays and
 * two levels of objects. A third level is allowed, in case InfoLink adds a detail object to `result`.
 */
class EnvelopeShape {
  #depth = 0;
  #inString = false;
  #escaped = false;
  #started = false;

  /** Takes the next piece of text; `false` once it cannot be the envelope. */
  feed(chunk: string): boolean {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === '\\') this.#escaped = true;
        else if (c === '"') this.#inString = false;
        continue;
      }
      if (!this.#started) {
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\ufeff') continue;
        if (c !== '{') return false;
        this.#started = true;
      }
      if (c === '"') this.#inString = true;
      else if (c === '[') return false;
      else if (c === '{' && ++this.#depth > 3) return false;
      else if (c === '}') this.#depth--;
    }
    return true;
  }
}

/**
 * `TokenManager` options for InfoLink.
 *
 * Encodes: `POST {base}api/v1/oauth2/token` with credentials in the body; refresh with only
 * `grant_type` and `refresh_token`, as the docs' example sends it (an expired refresh token falls back
 * to the original grant); {@link isInfoLinkAuthFailure} for API answers; no logoff endpoint, so
 * `logoff()` only forgets the tokens locally.
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 * import { infolink } from 'tokenward/profiles';
 *
 * const tm = new TokenManager(infolink({ baseUrl: 'https://infolink.example.com/', clientId, clientSecret }));
 * const res = await tm.fetch('api/v1/executeJob', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobName: 'LoadData' }) });
 * ```
 * @throws {ConfigError} naming the missing or malformed input.
 */
export function infolink(input: InfoLinkInput, overrides?: ProfileOverrides): TokenManagerOptions {
  requireObject('infolink', input);
  checkInput('infolink', input, INFOLINK_KEYS);
  const base = siteBase('infolink', 'baseUrl', input.baseUrl);
  const clientId = requireString('infolink', 'clientId', input.clientId);
  const clientSecret = requireString('infolink', 'clientSecret', input.clientSecret, true);
  const user = input.username !== undefined || input.password !== undefined;
  return withOverrides(
    {
      tokenUrl: under(base, 'api/v1/oauth2/token'),
      baseUrl: base.href,
      clientId,
      clientSecret,
      clientAuth: 'body',
      ...(user
        ? {
            grant: 'password' as const,
            username: requireString('infolink', 'username', input.username),
            password: requireString('infolink', 'password', input.password, true),
          }
        : { grant: 'client_credentials' as const }),
      // The docs' refresh example carries no client credentials.
      refreshWithClientAuth: false,
      isAuthFailure: isInfoLinkAuthFailure,
      logoff: false,
    },
    overrides,
  );
}
