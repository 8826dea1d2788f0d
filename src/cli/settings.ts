/**
 * The CLI's settings: one table row per option, each settable by a flag or an environment variable
 * (flags win), and the reading of both into one map. Secrets are not here: they have their own sources
 * (see `secrets.ts`) and are never taken from the command line.
 *
 * A new `TokenManager` option is one row: its key (a dotted key builds a nested object, `retry.retries`
 * → `{ retry: { retries } }`), flag, environment variable, kind and help line.
 * @module
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './exit-codes.js';
import { showPath } from './secrets.js';

/** How a setting's text becomes a value. */
export type SettingKind = 'string' | 'int' | 'list' | 'pairs' | 'file' | 'boolean';

/** One option of the CLI. */
export interface Setting {
  /** The `TokenManager` option (or profile input) it sets; dotted keys nest. */
  readonly key: string;
  /** The long flag, without `--`. */
  readonly flag: string;
  /** The environment variable. */
  readonly env: string;
  /** `string` as is; `int` a non-negative integer; `list` repeatable (env: comma- or space-separated); `pairs` repeatable `name=value` (env: form-encoded); `file` a path whose contents are the value; `boolean` a flag without a value (env: 1/true/yes/on or 0/false/no/off). */
  readonly kind: SettingKind;
  /** Placeholder in the help text. */
  readonly arg: string;
  readonly help: string;
  /** Part of what shapes the token, so part of the cache slot's name. */
  readonly shapesToken?: boolean;
  /** Also applies with `--system`, as a `TokenManager` option on top of the profile's. */
  readonly everywhere?: boolean;
  /** Only for these systems (their profile's input), never for the plain configuration. */
  readonly only?: readonly string[];
  /**
   * A token parameter (`tm.for({ audience, resource })`), not a `TokenManager` option: the commands use
   * the token of that parameter set, with or without a `--system`.
   */
  readonly tokenParam?: boolean;
}

/** Every setting. Help text and docs/cli.md are checked against this table by a test. */
export const SETTINGS: readonly Setting[] = [
  { key: 'tokenUrl', flag: 'token-url', env: 'TOKENWARD_TOKEN_URL', kind: 'string', arg: '<url>', help: 'the token endpoint', shapesToken: true },
  {
    key: 'issuer',
    flag: 'issuer',
    env: 'TOKENWARD_ISSUER',
    kind: 'string',
    arg: '<url>',
    help: 'the authorization server (instead of --token-url): its token and revocation endpoints found by discovery',
    shapesToken: true,
  },
  {
    key: 'baseUrl',
    flag: 'base-url',
    env: 'TOKENWARD_BASE_URL',
    kind: 'string',
    arg: '<url>',
    help: 'the API base; relative `fetch` URLs resolve under it and its origin receives the token',
    shapesToken: true,
  },
  { key: 'clientId', flag: 'client-id', env: 'TOKENWARD_CLIENT_ID', kind: 'string', arg: '<id>', help: 'the OAuth client id', shapesToken: true },
  {
    key: 'username',
    flag: 'username',
    env: 'TOKENWARD_USERNAME',
    kind: 'string',
    arg: '<name>',
    help: 'resource owner for the password grant (DOMAIN\\user is fine)',
    shapesToken: true,
  },
  { key: 'scope', flag: 'scope', env: 'TOKENWARD_SCOPE', kind: 'string', arg: '<scope>', help: 'scope, sent as given (Jim2: view or all)', shapesToken: true },
  {
    key: 'audience',
    flag: 'audience',
    env: 'TOKENWARD_AUDIENCE',
    kind: 'string',
    arg: '<uri>',
    help: 'the API the token is for (Auth0, Okta: `audience`)',
    shapesToken: true,
    tokenParam: true,
  },
  {
    key: 'resource',
    flag: 'resource',
    env: 'TOKENWARD_RESOURCE',
    kind: 'list',
    arg: '<uri>',
    help: 'the API the token is for (RFC 8707 `resource`, Entra ID v1), repeatable',
    shapesToken: true,
    tokenParam: true,
  },
  {
    key: 'grant',
    flag: 'grant',
    env: 'TOKENWARD_GRANT',
    kind: 'string',
    arg: '<grant>',
    help: 'client_credentials or password (default: password when a user name is set)',
    shapesToken: true,
  },
  {
    key: 'params',
    flag: 'param',
    env: 'TOKENWARD_PARAMS',
    kind: 'pairs',
    arg: '<name=value>',
    help: 'extra token request field, repeatable (audience=…, resource=…); env: a=1&b=2',
    shapesToken: true,
  },
  {
    key: 'bodyFormat',
    flag: 'body-format',
    env: 'TOKENWARD_BODY_FORMAT',
    kind: 'string',
    arg: '<form|json>',
    help: 'token request body format (default form)',
    shapesToken: true,
  },
  {
    key: 'clientAuth',
    flag: 'client-auth',
    env: 'TOKENWARD_CLIENT_AUTH',
    kind: 'string',
    arg: '<style>',
    help: 'auto, basic, body or none (a public client); Jim2: body or basic',
  },
  {
    key: 'basicEncoding',
    flag: 'basic-encoding',
    env: 'TOKENWARD_BASIC_ENCODING',
    kind: 'string',
    arg: '<form|none>',
    help: 'how Basic credentials are encoded (default form, RFC 6749 §2.3.1)',
  },
  {
    key: 'logoff.url',
    flag: 'logoff-url',
    env: 'TOKENWARD_LOGOFF_URL',
    kind: 'string',
    arg: '<url>',
    help: 'where `logoff` releases the session (relative: under --base-url); Jim2: the logoff page path',
  },
  {
    key: 'logoff.method',
    flag: 'logoff-method',
    env: 'TOKENWARD_LOGOFF_METHOD',
    kind: 'string',
    arg: '<method>',
    help: 'HTTP method of a bearer logoff (default DELETE; Jim2 POST)',
  },
  {
    key: 'logoff.style',
    flag: 'logoff-style',
    env: 'TOKENWARD_LOGOFF_STYLE',
    kind: 'string',
    arg: '<bearer|revoke>',
    help: 'bearer (send the token to --logoff-url) or revoke (RFC 7009) (default bearer)',
  },
  {
    key: 'tenantHost',
    flag: 'tenant-host',
    env: 'TOKENWARD_TENANT_HOST',
    kind: 'string',
    arg: '<host>',
    help: 'Bright Pattern tenant host name (acme.brightpattern.com)',
    shapesToken: true,
    only: ['bright-pattern'],
  },
  {
    key: 'tokenPath',
    flag: 'token-path',
    env: 'TOKENWARD_TOKEN_PATH',
    kind: 'string',
    arg: '<path>',
    help: 'ASP.NET facade token path under --base-url (default api/v1/auth/token)',
    shapesToken: true,
    only: ['aspnet'],
  },
  {
    key: 'keyId',
    flag: 'key-id',
    env: 'TOKENWARD_KEY_ID',
    kind: 'string',
    arg: '<kid>',
    help: "private_key_jwt: the `kid` header of the assertion (default: the JWK's `kid`, else none)",
  },
  {
    key: 'signingAlgorithm',
    flag: 'alg',
    env: 'TOKENWARD_ALG',
    kind: 'string',
    arg: '<alg>',
    help: "the assertion's JWS algorithm (default from the key: RS256, ES256, ES384, EdDSA; HS256 for client_secret_jwt)",
  },
  {
    key: 'signingCertificate',
    flag: 'signing-cert',
    env: 'TOKENWARD_SIGNING_CERT_FILE',
    kind: 'file',
    arg: '<pem file>',
    help: 'the certificate of --private-key-file: its thumbprint goes in the assertion header (x5t, Entra ID)',
  },
  {
    key: 'assertionAudience',
    flag: 'assertion-audience',
    env: 'TOKENWARD_ASSERTION_AUDIENCE',
    kind: 'string',
    arg: '<uri>',
    help: "the assertion's `aud` (default: the issuer when known, else the token endpoint)",
  },
  {
    key: 'tls.cert',
    flag: 'cert',
    env: 'TOKENWARD_CERT_FILE',
    kind: 'file',
    arg: '<pem file>',
    help: 'mutual TLS: the client certificate (with --key), for tls_client_auth and certificate-bound tokens',
    shapesToken: true,
  },
  {
    key: 'ca',
    flag: 'ca',
    env: 'TOKENWARD_CA_FILE',
    kind: 'file',
    arg: '<pem file>',
    help: "the CA certificate that signed the server's certificate (a private CA; checks stay on)",
  },
  {
    key: 'dpop',
    flag: 'dpop',
    env: 'TOKENWARD_DPOP',
    kind: 'boolean',
    arg: '',
    help: 'DPoP (RFC 9449): a key for this run; token requests and `fetch` calls carry proofs (no token cache)',
    shapesToken: true,
  },
  {
    key: 'timeout',
    flag: 'timeout',
    env: 'TOKENWARD_TIMEOUT',
    kind: 'int',
    arg: '<ms>',
    help: 'timeout of each token request in milliseconds (default 10000)',
    everywhere: true,
  },
  {
    key: 'retry.retries',
    flag: 'retries',
    env: 'TOKENWARD_RETRIES',
    kind: 'int',
    arg: '<n>',
    help: 'retries of a token request after a network error, 429 or 5xx (default 3)',
    everywhere: true,
  },
  {
    key: 'allowedOrigins',
    flag: 'allowed-origin',
    env: 'TOKENWARD_ALLOWED_ORIGINS',
    kind: 'list',
    arg: '<origin>',
    help: 'another origin `fetch` may send the token to, repeatable',
    everywhere: true,
  },
];

/** A setting's value and where it came from (for messages: "--scope" or "TOKENWARD_SCOPE"). */
export interface SettingValue {
  readonly setting: Setting;
  readonly value: unknown;
  readonly from: string;
}

/** Settings by key, as given. */
export type Settings = ReadonlyMap<string, SettingValue>;

/** The environment, as far as the CLI reads it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads every setting from the parsed flags, else the environment. An empty environment variable
 * counts as unset, so `TOKENWARD_SCOPE=` clears an inherited value.
 * @throws {UsageError} for a value of the wrong kind.
 */
export function readSettings(flags: Readonly<Record<string, unknown>>, env: Env): Settings {
  const out = new Map<string, SettingValue>();
  for (const setting of SETTINGS) {
    const flagValue = flags[setting.flag];
    if (flagValue !== undefined && !(Array.isArray(flagValue) && flagValue.length === 0)) {
      out.set(setting.key, { setting, value: convert(setting, flagValue as string | string[], `--${setting.flag}`, 'flag'), from: `--${setting.flag}` });
      continue;
    }
    const envValue = env[setting.env];
    if (envValue !== undefined && envValue !== '') {
      const value = convert(setting, envValue, setting.env, 'env');
      // `TOKENWARD_DPOP=0` is the same as unset.
      if (value !== false) out.set(setting.key, { setting, value, from: setting.env });
    }
  }
  return out;
}

function convert(setting: Setting, raw: string | string[], from: string, source: 'flag' | 'env'): unknown {
  const values = Array.isArray(raw) ? raw : [raw];
  switch (setting.kind) {
    case 'string':
      return values.at(-1);
    case 'int': {
      const text = values.at(-1)!.trim();
      if (!/^\d+$/.test(text)) throw new UsageError(`${from} must be a whole number, got ${JSON.stringify(text)}`);
      return Number(text);
    }
    case 'list':
      return source === 'env' ? values[0]!.split(/[\s,]+/).filter(Boolean) : values;
    case 'pairs': {
      const pairs = source === 'env' ? [...new URLSearchParams(values[0])] : values.map((v) => splitPair(v, from));
      return Object.fromEntries(pairs);
    }
    case 'boolean': {
      if (source === 'flag') return true;
      const text = values[0]!.trim();
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      throw new UsageError(`${from} takes 1/true/yes/on or 0/false/no/off, got ${JSON.stringify(text)}`);
    }
    case 'file': {
      const path = values.at(-1)!;
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        throw new UsageError(`${from}: cannot read ${showPath(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
  }
}

function splitPair(text: string, from: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${from} takes name=value, got ${JSON.stringify(text)}`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** Sets `value` at a dotted `key` of `target` (`logoff.url` → `target.logoff.url`). */
export function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = typeof node[part] === 'object' && node[part] !== null ? node[part] : {};
    node[part] = next;
    node = next as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

/** `--scope / TOKENWARD_SCOPE`, for messages and help. */
export function describeSetting(setting: Setting): string {
  return `--${setting.flag} / ${setting.env}`;
}
