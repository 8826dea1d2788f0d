/**
 * The options of the delegation grants: RFC 8693 token exchange (`subjectToken`, `actorToken` and
 * their types); their types, and their checks beyond the schema in `options.ts`.
 * @module
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/** A value the grant sends: a string, or a function called for every token request (a rotated file, a fresh user token). */
export type GrantValue = string | (() => string | Promise<string>);

/** RFC 8693 §3 token type identifiers, by the short names tokenward accepts for them. */
export const TOKEN_TYPES = Object.freeze({
  access_token: 'urn:ietf:params:oauth:token-type:access_token',
  refresh_token: 'urn:ietf:params:oauth:token-type:refresh_token',
  id_token: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  saml1: 'urn:ietf:params:oauth:token-type:saml1',
  saml2: 'urn:ietf:params:oauth:token-type:saml2',
} as const);

/** A token type: one of {@link TOKEN_TYPES}' short names, or any absolute URI (`urn:…`). */
export type TokenTypeName = keyof typeof TOKEN_TYPES | `${string}:${string}`;

/** The RFC 8693 grant type URI. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Options of the delegation grants; part of {@link TokenManagerOptions}. */
export interface GrantOptions {
  /**
   * `grant: 'token_exchange'` (RFC 8693): the token to exchange, e.g. the user token your service was
   * called with. A function is called for every token request. Per call instead: `tm.for({ subjectToken })`.
   * A secret: never logged, never in an error.
   */
  subjectToken?: GrantValue;
  /** The type of `subjectToken`: a short name (`access_token`, `jwt`, `id_token`, ...) or a URI. @default 'access_token' */
  subjectTokenType?: TokenTypeName;
  /** `grant: 'token_exchange'`: the token of the party acting for the subject (delegation), when there is one. A secret. */
  actorToken?: GrantValue;
  /** The type of `actorToken`. @default 'access_token' */
  actorTokenType?: TokenTypeName;
  /** `grant: 'token_exchange'`: the type of token wanted (`requested_token_type`). @default none (the server's choice) */
  requestedTokenType?: TokenTypeName;
}

/** Grant options after validation; token types as URIs. */
export interface ResolvedGrants {
  subjectToken: GrantValue | undefined;
  subjectTokenType: string;
  actorToken: GrantValue | undefined;
  actorTokenType: string;
  requestedTokenType: string | undefined;
  /** What the grant options add to the cache key (hashed values, never a secret), or `''`. */
  grantKey: string;
}

const grantValue = z.union([z.string().min(1, { message: 'must not be empty' }), z.custom<() => string>((v) => typeof v === 'function')], {
  error: 'must be a non-empty string or a function returning one',
});
const tokenType = z.string().refine((v) => v in TOKEN_TYPES || /^[a-z][a-z\d+.-]*:\S+$/i.test(v), {
  message: `must be one of ${Object.keys(TOKEN_TYPES).map((k) => JSON.stringify(k)).join(', ')} or an absolute URI`,
});

/** The schema of {@link GrantOptions}' fields, spread into the options schema. */
export const grantSchema = {
  subjectToken: grantValue.optional(),
  subjectTokenType: tokenType.optional(),
  actorToken: grantValue.optional(),
  actorTokenType: tokenType.optional(),
  requestedTokenType: tokenType.optional(),
};

/** Options whose values are secrets: never echoed in an error message. */
export const SECRET_GRANT_OPTIONS = ['subjectToken', 'actorToken'] as const;

/** A token type as its URI. */
export function tokenTypeUri(name: string): string {
  return (TOKEN_TYPES as Record<string, string>)[name] ?? name;
}

/** What {@link resolveGrants} reads: the parsed options. */
interface Parsed {
  subjectToken?: GrantValue | undefined;
  subjectTokenType?: string | undefined;
  actorToken?: GrantValue | undefined;
  actorTokenType?: string | undefined;
  requestedTokenType?: string | undefined;
}

/** Defaults of the grant options (part of `DEFAULTS`). */
export const GRANT_DEFAULTS = Object.freeze({ subjectTokenType: 'access_token', actorTokenType: 'access_token' } as const);

/** Checks the grant options against `grant`. */
export function resolveGrants(o: Parsed, grant: string): ResolvedGrants {
  if (grant !== 'token_exchange') {
    for (const name of ['subjectToken', 'subjectTokenType', 'actorToken', 'actorTokenType', 'requestedTokenType'] as const) {
      if (o[name] !== undefined) throw new ConfigError(`option \`${name}\` is for \`grant: 'token_exchange'\`, but \`grant\` is ${JSON.stringify(grant)}`);
    }
  }
  const resolved = {
    subjectToken: o.subjectToken,
    subjectTokenType: tokenTypeUri(o.subjectTokenType ?? GRANT_DEFAULTS.subjectTokenType),
    actorToken: o.actorToken,
    actorTokenType: tokenTypeUri(o.actorTokenType ?? GRANT_DEFAULTS.actorTokenType),
    requestedTokenType: o.requestedTokenType === undefined ? undefined : tokenTypeUri(o.requestedTokenType),
  };
  // Another subject token is another token: the key holds a hash of a configured one (a function, by
  // its nature, cannot be told apart; its tokens are the manager's).
  const grantKey = grant === 'token_exchange'
    ? JSON.stringify([keyOf(resolved.subjectToken), resolved.subjectTokenType, keyOf(resolved.actorToken), resolved.actorTokenType, resolved.requestedTokenType ?? null])
    : '';
  return { ...resolved, grantKey };
}

/** A hash of a configured secret value for a key, `fn` for a function, `null` for none. */
function keyOf(value: GrantValue | undefined): string | null {
  if (value === undefined) return null;
  return typeof value === 'function' ? 'fn' : secretHash(value);
}

/** SHA-256 of a secret, base64url: what keys hold instead of a subject token, actor token or assertion. */
export function secretHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
