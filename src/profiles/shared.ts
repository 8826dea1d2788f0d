/**
 * What the profile functions share: input checks that throw a {@link ConfigError} naming the profile
 * and the option (never echoing a secret), and the base-URL handling sites with a path need.
 * @module
 */
import { ConfigError } from '../errors.js';
import type { TokenManagerOptions } from '../options.js';
import { CREDENTIAL_OPTIONS, describeUndefined, undefinedKeys } from '../unset-credentials.js';

/**
 * Options a profile call accepts besides the system's own inputs: anything `TokenManager` takes
 * (`fetch`, `hooks`, `store`, `retry`, ...). They win over what the profile sets.
 *
 * @example
 * ```ts
 * import { TokenManager } from 'tokenward';
 * import { infolink, type ProfileOverrides } from 'tokenward/profiles';
 *
 * const overrides: ProfileOverrides = { timeout: 20_000, retry: { retries: 5 } };
 * const tm = new TokenManager(infolink({ baseUrl: 'https://infolink.example.com/', clientId, clientSecret }, overrides));
 * ```
 */
export type ProfileOverrides = Partial<TokenManagerOptions>;

/**
 * The client secret as `clientSecret`, the name `TokenManager` and every profile use; `jim2()` and
 * `brightPattern()` still take their old name for it, `secret`. One of the two, never both.
 *
 * @example
 * ```ts
 * import { jim2, type ClientSecretInput } from 'tokenward/profiles';
 *
 * const credentials: ClientSecretInput = { clientSecret: process.env.JIM2_SECRET ?? '' };
 * const options = jim2({ baseUrl: 'http://jim2.local/Jim_Test/', clientId: 'TestClientId', ...credentials });
 * ```
 */
export type ClientSecretInput =
  | {
      /** The client secret. Never logged, never in an error. */
      clientSecret: string;
      /** @deprecated Renamed `clientSecret`; give one of the two. */
      secret?: never;
    }
  | {
      /** Not with `secret`: give one of the two. */
      clientSecret?: never;
      /** @deprecated Renamed `clientSecret`, the name `TokenManager` and every profile use. Still accepted. */
      secret: string;
    };

/** Throws unless `input` is a plain object. */
export function requireObject(profile: string, input: unknown): asserts input is Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(`${profile}(): expected an options object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  }
}

/**
 * The keys of a profile's input type, listed once for the run-time check: the compiler fails when the
 * list misses a key of `T` or names one it does not have.
 */
export function inputKeys<T>(keys: { [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}

/** Input names kept only so old code still runs; not listed when an error says what a profile takes. */
const DEPRECATED = new Set(['secret']);

/**
 * Refuses keys the profile does not take, as `TokenManager` does (a misspelt `clientSecert` would
 * otherwise be dropped without a word), and credentials given as `undefined` (an unset environment
 * variable). `where` names a nested object (`logoff`).
 */
export function checkInput(profile: string, input: Record<string, unknown>, known: readonly string[], where = ''): void {
  const prefix = where === '' ? '' : `${where}.`;
  const unknown = Object.keys(input).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => `\`${prefix}${key}\``).join(', ');
    const takes = known
      .filter((key) => !DEPRECATED.has(key))
      .map((key) => `\`${key}\``)
      .join(', ');
    const owner = where === '' ? `${profile}()` : `\`${where}\``;
    const rest = where === '' ? ' (any other TokenManager option goes in the second argument)' : '';
    throw new ConfigError(`${profile}(): unknown option${unknown.length > 1 ? 's' : ''} ${names}; ${owner} takes ${takes}${rest}`);
  }
  const unset = undefinedKeys(input, [...CREDENTIAL_OPTIONS, 'secret']);
  if (unset.length > 0) throw new ConfigError(`${profile}(): ${describeUndefined(unset.map((key) => `${prefix}${key}`))}`);
}

/**
 * The client secret, named `clientSecret` as everywhere else in tokenward, or by the deprecated `secret`
 * that `jim2()` and `brightPattern()` once took: one of the two, never both.
 */
export function clientSecretOf(profile: string, input: { clientSecret?: unknown; secret?: unknown }): string {
  if (input.secret === undefined) return requireString(profile, 'clientSecret', input.clientSecret, true);
  if (input.clientSecret !== undefined) throw new ConfigError(`${profile}(): give \`clientSecret\` only (\`secret\` is its deprecated name), not both`);
  return requireString(profile, 'secret', input.secret, true);
}

/** A required non-empty string. Secrets are named, never shown. */
export function requireString(profile: string, name: string, value: unknown, secret = false): string {
  if (typeof value === 'string' && value !== '') return value;
  const got =
    value === undefined ? 'nothing' : secret ? `a ${typeof value === 'string' ? 'empty string' : typeof value}` : (JSON.stringify(value) ?? typeof value);
  throw new ConfigError(`${profile}(): option \`${name}\` must be a non-empty string, got ${got}`);
}

/** An optional non-empty string: `undefined` passes. */
export function optionalString(profile: string, name: string, value: unknown, secret = false): string | undefined {
  return value === undefined ? undefined : requireString(profile, name, value, secret);
}

/**
 * Parses an http(s) base URL and gives it a trailing slash, so relative paths resolve under a site
 * path (`http://host/Jim_Test/` + `token` → `http://host/Jim_Test/token`; `new URL('/token', base)`
 * would drop `/Jim_Test`). Query and fragment are refused: they cannot be part of a base.
 */
export function siteBase(profile: string, name: string, value: unknown): URL {
  const text = value instanceof URL ? value.href : requireString(profile, name, value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${profile}(): option \`${name}\` must be an absolute http(s) URL such as "https://host.example/", got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${profile}(): option \`${name}\` must use http: or https:, got ${JSON.stringify(url.protocol)}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`${profile}(): option \`${name}\` must not carry credentials; pass them as options`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigError(`${profile}(): option \`${name}\` must not have a query or fragment, got ${JSON.stringify(text)}`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** `path` (no leading slash) under `base`. */
export function under(base: URL, path: string): string {
  return new URL(path.replace(/^\/+/, ''), base).href;
}

/** Throws when both or neither of two credential sets are complete, naming what is missing. */
export function onePair(profile: string, a: [string, unknown, string, unknown], b: [string, unknown, string, unknown]): 'first' | 'second' {
  const has = (v: unknown) => v !== undefined;
  const [an, av, as, asv] = a;
  const [bn, bv, bs, bsv] = b;
  const aAny = has(av) || has(asv);
  const bAny = has(bv) || has(bsv);
  if (aAny && bAny) throw new ConfigError(`${profile}(): give either \`${an}\`/\`${as}\` or \`${bn}\`/\`${bs}\`, not both`);
  if (!aAny && !bAny) throw new ConfigError(`${profile}(): needs credentials: \`${an}\` and \`${as}\`, or \`${bn}\` and \`${bs}\``);
  if (aAny && !(has(av) && has(asv)))
    throw new ConfigError(`${profile}(): \`${an}\` and \`${as}\` go together; ${has(av) ? `\`${as}\`` : `\`${an}\``} is missing`);
  if (bAny && !(has(bv) && has(bsv)))
    throw new ConfigError(`${profile}(): \`${bn}\` and \`${bs}\` go together; ${has(bv) ? `\`${bs}\`` : `\`${bn}\``} is missing`);
  return aAny ? 'first' : 'second';
}

/** The profile's options with the caller's overrides on top. */
export function withOverrides(options: TokenManagerOptions, overrides: ProfileOverrides | undefined): TokenManagerOptions {
  return overrides === undefined ? options : { ...options, ...overrides };
}
