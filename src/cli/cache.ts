/**
 * The CLI's token cache: one file per configuration, so repeated `tokenward token` calls reuse one
 * token (and one server session: on Jim2Server each new token with scope `all` takes a paid licence,
 * on Veeam each piles up a session), and `tokenward logoff` can release it later.
 *
 * A file is named after a hash of the settings that shape the token (never a secret), computed here,
 * so a cache hit needs no import of the library at all. It holds the token as the server issued it,
 * mode 0600 in a directory of mode 0700 that must belong to the user. A lock file next to it makes
 * concurrent CLI processes share one token request.
 * @module
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TokenStore } from '../store.js';
import type { Token } from '../token.js';
import type { Env, Settings } from './settings.js';

/**
 * `TokenManager`'s default `refreshSkew`, in seconds (`DEFAULTS.refreshSkew`; a test keeps them equal).
 * Copied so that a cache hit does not load the library to learn it.
 */
export const REFRESH_SKEW_S = 60;

/** Where cache files go: `TOKENWARD_CACHE_DIR`, else `$XDG_RUNTIME_DIR/tokenward` (a per-user tmpfs), else the user's cache directory. */
export function cacheDir(env: Env): string {
  if (env.TOKENWARD_CACHE_DIR) return env.TOKENWARD_CACHE_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'tokenward');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'tokenward');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tokenward');
}

/** The cache file for a configuration: a hash of the system and every token-shaping setting (no secrets). */
export function cacheFile(dir: string, settings: Settings, system: string | undefined): string {
  const material = [...settings.values()]
    .filter((s) => s.setting.shapesToken)
    .map((s) => [s.setting.key, s.value])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));
  const hash = createHash('sha256')
    .update(JSON.stringify(['tokenward-cli/1', system ?? null, material]))
    .digest('base64url')
    .slice(0, 32);
  return join(dir, `${hash}.json`);
}

/**
 * Whether a cached token is still good to hand out, by the rule `TokenManager` applies: not within
 * `refreshSkew` of its expiry, nor past half its lifetime's worth of that.
 */
export function isFresh(token: Token, now: number): boolean {
  const skew = Math.min(REFRESH_SKEW_S * 1000, (token.expiresAt - token.receivedAt) / 2);
  return now < token.expiresAt - skew;
}

/** Fields of the server's answer not kept in the file: the token values are stored once, in their own fields. */
const TOKEN_FIELDS = new Set(['access_token', 'refresh_token', 'id_token']);

/**
 * A {@link TokenStore} holding one token in one file. It ignores the manager's key: each CLI process
 * has one manager, and the file is already named after its configuration.
 */
export class FileTokenStore implements TokenStore {
  /** The token file. */
  readonly file: string;
  /**
   * The client authentication that worked, written next to the token so `inspect` can tell it from the
   * cache too. Set by the session once its manager exists (the manager learns it before storing).
   */
  clientAuthOf: (() => string | undefined) | undefined;
  /** The client authentication recorded with the token last read. */
  clientAuth: string | undefined;
  /**
   * A manager key this file does not serve: the manager's own, when the commands use a parameter set's
   * token (`--audience`): the file holds that token, and the manager's own slot must neither read it as
   * its own nor release it a second time at logoff.
   */
  ignoreKey: string | undefined;
  readonly #dir: string;
  readonly #lockFile: string;

  constructor(dir: string, file: string) {
    this.#dir = dir;
    this.file = file;
    this.#lockFile = file.replace(/\.json$/, '.lock');
  }

  /** The cached token, or `undefined` when there is none or the file is not one this version wrote. */
  get(key?: string): Token | undefined {
    if (key !== undefined && key === this.ignoreKey) return undefined;
    this.#checkDir(false);
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const decoded = decode(text);
    this.clientAuth = decoded?.clientAuth;
    return decoded?.token;
  }

  /** Stores `token`, replacing the file atomically (write, then rename). */
  set(key: string, token: Token): void {
    if (key === this.ignoreKey) return;
    this.#checkDir(true);
    const raw = Object.fromEntries(Object.entries(token.raw ?? {}).filter(([k]) => !TOKEN_FIELDS.has(k)));
    const temp = `${this.file}.${process.pid}.tmp`;
    const clientAuth = this.clientAuthOf?.();
    writeFileSync(temp, JSON.stringify({ v: 1, token: { ...token, raw }, ...(clientAuth ? { clientAuth } : {}) }), { mode: 0o600 });
    renameSync(temp, this.file);
  }

  /** Deletes the file. */
  delete(key?: string): void {
    if (key !== undefined && key === this.ignoreKey) return;
    try {
      unlinkSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Deletes the file if it still holds `accessToken`. */
  deleteIf(key: string, accessToken: string): boolean {
    if (key === this.ignoreKey || this.get()?.accessToken !== accessToken) return false;
    this.delete();
    return true;
  }

  /**
   * A lock file taken with `O_EXCL`, so N concurrent CLI processes make one token request (on Jim2, take
   * one licence). Resolves to its release, or `undefined` once `waitMs` is over or another process has
   * stored a token meanwhile (the manager then re-reads the cache). A lock older than `ttlMs` is stale (its
   * holder crashed) and is taken over.
   */
  async lock(_key: string, options: { ttlMs: number; waitMs: number; signal?: AbortSignal }): Promise<(() => Promise<void>) | undefined> {
    this.#checkDir(true);
    const deadline = performance.now() + options.waitMs;
    const before = this.#version();
    for (;;) {
      try {
        const fd = openSync(this.#lockFile, 'wx', 0o600);
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        return async () => {
          try {
            unlinkSync(this.#lockFile);
          } catch {
            // Already taken over as stale: nothing to release.
          }
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (this.#lockAge() > options.ttlMs) {
        this.#removeStaleLock();
        continue;
      }
      if (this.#version() !== before || performance.now() >= deadline || options.signal?.aborted) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The token file's modification time, 0 when there is none: it changes when another process stores a token. */
  #version(): number {
    try {
      return statSync(this.file).mtimeMs;
    } catch {
      return 0;
    }
  }

  #lockAge(): number {
    try {
      return Date.now() - statSync(this.#lockFile).mtimeMs;
    } catch {
      return 0;
    }
  }

  #removeStaleLock(): void {
    try {
      unlinkSync(this.#lockFile);
    } catch {
      // Another process removed it first.
    }
  }

  /**
   * The directory must be the user's own and closed to others: tokens are credentials. Created (mode
   * 0700) when writing. A directory others can read or write is refused, not silently used.
   */
  #checkDir(create: boolean): void {
    if (create) mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(this.#dir);
    } catch (err) {
      if (!create && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (!stat.isDirectory()) throw new Error(`${this.#dir} is not a directory`);
    if (process.platform === 'win32') return;
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw new Error(`${this.#dir} belongs to another user (uid ${stat.uid})`);
    if ((stat.mode & 0o077) !== 0)
      throw new Error(`${this.#dir} is open to other users (mode ${(stat.mode & 0o777).toString(8)}); run \`chmod 700 ${this.#dir}\` or pass --no-cache`);
  }
}

/** A token from a cache file, or `undefined` for anything malformed (an older format, a truncated write). */
function decode(text: string): { token: Token; clientAuth: string | undefined } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const file = parsed as { v?: unknown; token?: Record<string, unknown>; clientAuth?: unknown } | null;
  const t = file?.token;
  if (file?.v !== 1 || typeof t !== 'object' || t === null) return undefined;
  if (typeof t.accessToken !== 'string' || typeof t.tokenType !== 'string' || typeof t.expiresAt !== 'number' || typeof t.receivedAt !== 'number')
    return undefined;
  const optional = (key: string, type: 'string' | 'number') => (typeof t[key] === type ? { [key]: t[key] } : {});
  const token = {
    accessToken: t.accessToken,
    tokenType: t.tokenType,
    expiresAt: t.expiresAt,
    receivedAt: t.receivedAt,
    ...optional('refreshToken', 'string'),
    ...optional('refreshExpiresAt', 'number'),
    ...optional('scope', 'string'),
    ...optional('idToken', 'string'),
    raw: typeof t.raw === 'object' && t.raw !== null ? (t.raw as Record<string, unknown>) : {},
  } as Token;
  return { token, clientAuth: typeof file.clientAuth === 'string' ? file.clientAuth : undefined };
}
