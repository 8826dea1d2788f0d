/**
 * Token parameters: what makes one token different from another for the same client (scope, RFC 8707
 * `resource`, Auth0's `audience`, extra fields). Each distinct set is its own cached token, so the key
 * must cover every parameter: Duende shipped a cache key that ignored scopes (DuendeArchive/Support#1396)
 * and in-flight sharing that merged different `resource` values (DuendeSoftware/foss#360).
 * @module
 */
import { createHash } from 'node:crypto';
import { ConfigError } from './errors.js';
import { type GrantInputParameters, type GrantInputs, readGrantInputs } from './grant-inputs.js';
import type { ParamValue } from './options.js';

/**
 * Parameters of one token: pass them to `tm.getToken(...)` or `tm.for(...)`. Each distinct set gets its
 * own cached token, refresh token and single-flight acquisition.
 *
 * @example
 * ```ts
 * import type { TokenParameters } from 'tokenward';
 *
 * const billing: TokenParameters = { resource: 'https://billing.example.com/', scope: ['invoices:read'] };
 * const res = await tm.for(billing).fetch('https://billing.example.com/v1/invoices');
 * ```
 */
export interface TokenParameters extends GrantInputParameters {
  /** Scope of this token, replacing the manager's `scope`. Compared as a set: `'a b'` and `['b', 'a']` are one token. */
  scope?: string | readonly string[];
  /** RFC 8707 resource indicator(s): absolute URIs of the APIs the token is for, sent as repeated `resource` fields. Compared as a set. */
  resource?: string | readonly string[];
  /** The API the token is for, as Auth0 (and RFC 8693) spell it: sent as `audience`. */
  audience?: string;
  /** Extra token-request fields for this token, merged over the manager's `params`. */
  params?: Readonly<Record<string, ParamValue>>;
}

/**
 * Every token parameter, and whether the registry's lookup fast path (slot-registry.ts) may key a set
 * by it alone. {@link hasParameters} and that fast path check the names one by one (the hot path); this
 * table makes a parameter added to {@link TokenParameters} fail to compile until it is listed, and
 * test/tokens-per-api.test.ts checks every "slow" one against the fast path.
 * @internal
 */
export const PARAMETER_KINDS = {
  scope: 'fast',
  resource: 'fast',
  audience: 'fast',
  params: 'slow',
  subjectToken: 'slow',
  subjectTokenType: 'slow',
  actorToken: 'slow',
  actorTokenType: 'slow',
  assertion: 'slow',
} as const satisfies Record<keyof TokenParameters, 'fast' | 'slow'>;

/** Parameters after validation: what the token request sends and the canonical key that names them. */
export interface ResolvedParameters {
  /** The scope to send (space-separated, as given), or `undefined` for the manager's own. */
  readonly scope: string | undefined;
  readonly resources: readonly string[];
  readonly audience: string | undefined;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The grant's own inputs for this token (a subject token to exchange): secrets, held out of sight. */
  readonly grantInputs: GrantInputs | undefined;
  /** Canonical text of every parameter: equal for equal sets, different otherwise. Holds no secret-derived data by itself; hashed before use as a store key. */
  readonly canonical: string;
}

/** The empty set: the manager's own token. */
export const NO_PARAMETERS: ResolvedParameters = Object.freeze({
  scope: undefined,
  resources: [],
  audience: undefined,
  params: Object.freeze({}),
  grantInputs: undefined,
  canonical: '',
});

/** Whether an options object passed to `getToken()` carries any token parameter. Plain reads: it runs on every call with options. */
export function hasParameters(options: TokenParameters): boolean {
  return (
    options.scope !== undefined ||
    options.resource !== undefined ||
    options.audience !== undefined ||
    options.params !== undefined ||
    options.subjectToken !== undefined ||
    options.subjectTokenType !== undefined ||
    options.actorToken !== undefined ||
    options.actorTokenType !== undefined ||
    options.assertion !== undefined
  );
}

/** The manager's own scope and params, which a parameter set may repeat without becoming another token. */
export interface ParameterDefaults {
  readonly scope: string | undefined;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The manager's grant: a subject token per call needs `token_exchange`. */
  readonly grant?: string;
}

/**
 * Validates `input` and computes its canonical form. A scope equal (as a set) to the manager's own, and
 * params equal to the manager's, are the manager's token: `getToken({ scope: 'b a' })` on a manager
 * configured with `scope: 'a b'` is the same token as `getToken()`.
 * @throws {ConfigError} naming the parameter, what was expected and what was given.
 */
export function resolveParameters(input: TokenParameters, defaults: ParameterDefaults = { scope: undefined, params: {} }): ResolvedParameters {
  let scopeList = listOf(input.scope, 'scope', false);
  if (scopeList !== undefined) {
    scopeList = [...new Set(scopeList)];
    if (defaults.scope !== undefined && sameSet(scopeList, defaults.scope.split(/\s+/).filter(Boolean))) scopeList = undefined;
  }
  const resources = listOf(input.resource, 'resource', true);
  const audience = input.audience;
  if (audience !== undefined && (typeof audience !== 'string' || audience === ''))
    throw new ConfigError(`token parameter \`audience\` must be a non-empty string, got ${describe(audience)}`);
  const params: Record<string, ParamValue> = {};
  if (input.params !== undefined) {
    if (typeof input.params !== 'object' || input.params === null || Array.isArray(input.params))
      throw new ConfigError(`token parameter \`params\` must be an object, got ${describe(input.params)}`);
    for (const [key, value] of Object.entries(input.params)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        throw new ConfigError(`token parameter \`params.${key}\` must be a string, number or boolean, got ${describe(value)}`);
      if (defaults.params[key] !== value) params[key] = value;
    }
  }
  const grantInputs = readGrantInputs(input, defaults.grant);
  // Sets, sorted: the order a caller lists scopes or resources in does not make another token.
  const scopeSet = scopeList === undefined ? undefined : [...new Set(scopeList)].sort();
  const resourceSet = [...new Set(resources ?? [])].sort();
  const paramList = Object.keys(params)
    .sort()
    .map((k) => [k, params[k]]);
  const parts: unknown[] = [scopeSet ?? null, resourceSet, audience ?? null, paramList];
  // Grant inputs by their hashes, never the tokens themselves; absent, the canonical text is what it always was.
  if (grantInputs !== undefined) parts.push(grantInputs.canonical);
  const canonical =
    scopeSet === undefined && resourceSet.length === 0 && audience === undefined && paramList.length === 0 && grantInputs === undefined
      ? ''
      : JSON.stringify(parts);
  return Object.freeze({
    scope: scopeList === undefined ? undefined : scopeList.join(' '),
    resources: Object.freeze(resourceSet),
    audience,
    params: Object.freeze(params),
    grantInputs,
    canonical,
  });
}

/**
 * The store key of a parameter set: the manager's own key for the empty set (so existing shared entries
 * keep working), else a hash of the manager's key and the canonical parameters.
 */
export function parameterKey(managerKey: string, parameters: ResolvedParameters): string {
  if (parameters.canonical === '') return managerKey;
  return `tokenward:${createHash('sha256').update(`${managerKey}\n${parameters.canonical}`).digest('base64url').slice(0, 32)}`;
}

/** The request fields a parameter set adds to every token request (grant and refresh alike). */
export function parameterFields(parameters: ResolvedParameters): Array<[string, ParamValue]> {
  const fields: Array<[string, ParamValue]> = [];
  for (const resource of parameters.resources) fields.push(['resource', resource]);
  if (parameters.audience !== undefined) fields.push(['audience', parameters.audience]);
  for (const [key, value] of Object.entries(parameters.params)) fields.push([key, value]);
  return fields;
}

function listOf(value: unknown, name: string, uris: boolean): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : Array.isArray(value) ? value : undefined;
  if (items === undefined || items.some((v) => typeof v !== 'string' || v === '')) {
    throw new ConfigError(`token parameter \`${name}\` must be a string or an array of non-empty strings, got ${describe(value)}`);
  }
  if (uris) {
    for (const item of items as string[]) {
      // RFC 8707 §2: an absolute URI without a fragment.
      if (!URL.canParse(item) || new URL(item).hash !== '')
        throw new ConfigError(`token parameter \`resource\` must be absolute URIs without a fragment, got ${JSON.stringify(item.slice(0, 100))}`);
    }
  }
  return items as string[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(b);
  return a.length === set.size && a.every((v) => set.has(v));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 60));
  return typeof value === 'object' ? 'an object' : String(value);
}
