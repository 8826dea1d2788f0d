/**
 * A grant's own inputs passed per call: the subject token to exchange (RFC 8693) and the actor's
 * token, so `tm.for({ subjectToken: userToken })` is an on-behalf-of view per user, or the JWT-bearer
 * grant's assertion (RFC 7523 §2.1, Entra ID's on-behalf-of flow). They are secrets:
 * a parameter set is keyed by their hashes, never by the tokens, and they are held where neither
 * `util.inspect` nor `JSON.stringify` reaches them.
 * @module
 */
import { inspect } from 'node:util';
import { ConfigError } from './errors.js';
import { secretHash, TOKEN_TYPES, type TokenTypeName, tokenTypeUri } from './options-grants.js';

/**
 * The grant inputs a call may pass with its token parameters.
 *
 * @example
 * ```ts
 * import { TokenManager, type GrantInputParameters } from 'tokenward';
 *
 * const obo = new TokenManager({ tokenUrl, clientId, clientSecret, grant: 'token_exchange' });
 * declare const userToken: string; // the token your service was called with
 * const inputs: GrantInputParameters = { subjectToken: userToken, subjectTokenType: 'access_token' };
 * const res = await obo.for({ ...inputs, audience: 'https://orders.example.com' }).fetch('https://orders.example.com/v1/orders');
 * ```
 */
export interface GrantInputParameters {
  /**
   * `grant: 'token_exchange'`: the token to exchange for this token (RFC 8693), e.g. the user token your
   * service was called with. One cached token per subject token: a new one means a new exchange. A secret.
   */
  subjectToken?: string;
  /** The type of this call's `subjectToken`. @default the `subjectTokenType` option */
  subjectTokenType?: TokenTypeName;
  /** `grant: 'token_exchange'`: the acting party's token for this token. A secret. */
  actorToken?: string;
  /** The type of this call's `actorToken`. @default the `actorTokenType` option */
  actorTokenType?: TokenTypeName;
  /**
   * `grant: 'jwt_bearer'`: the assertion for this token (RFC 7523 §2.1), e.g. the user token of Entra ID's
   * on-behalf-of flow. One cached token per assertion. A secret.
   */
  assertion?: string;
}

/**
 * Grant inputs of one parameter set. The tokens sit in private fields: a slot (and anything holding it)
 * can be inspected or serialised without showing them.
 * @internal
 */
export class GrantInputs {
  readonly #subjectToken: string | undefined;
  readonly #actorToken: string | undefined;
  readonly #assertion: string | undefined;
  /** Token types as URIs, when the call named them. */
  readonly subjectTokenType: string | undefined;
  readonly actorTokenType: string | undefined;
  /** The inputs in the canonical key: token hashes and types, never a token. */
  readonly canonical: Readonly<Record<string, string>>;

  constructor(values: {
    subjectToken?: string | undefined;
    actorToken?: string | undefined;
    subjectTokenType?: string | undefined;
    actorTokenType?: string | undefined;
    assertion?: string | undefined;
  }) {
    this.#subjectToken = values.subjectToken;
    this.#actorToken = values.actorToken;
    this.#assertion = values.assertion;
    this.subjectTokenType = values.subjectTokenType;
    this.actorTokenType = values.actorTokenType;
    const canonical: Record<string, string> = {};
    if (values.subjectToken !== undefined) canonical.subject = secretHash(values.subjectToken);
    if (values.subjectTokenType !== undefined) canonical.subjectType = values.subjectTokenType;
    if (values.actorToken !== undefined) canonical.actor = secretHash(values.actorToken);
    if (values.actorTokenType !== undefined) canonical.actorType = values.actorTokenType;
    if (values.assertion !== undefined) canonical.assertion = secretHash(values.assertion);
    this.canonical = Object.freeze(canonical);
  }

  get subjectToken(): string | undefined {
    return this.#subjectToken;
  }

  get actorToken(): string | undefined {
    return this.#actorToken;
  }

  get assertion(): string | undefined {
    return this.#assertion;
  }

  /** The tokens, for scrubbing answers. */
  get secrets(): string[] {
    return [this.#subjectToken, this.#actorToken, this.#assertion].filter((v): v is string => v !== undefined);
  }

  [inspect.custom](): string {
    return `GrantInputs ${inspect(this.canonical)}`;
  }

  toJSON(): Readonly<Record<string, string>> {
    return this.canonical;
  }
}

/**
 * The grant inputs of a call, or `undefined` when it passes none.
 * @throws {ConfigError} naming the parameter: an empty or non-string token, an unknown type, or a
 * subject token for a manager whose grant is not `token_exchange`. Never quotes a token.
 */
export function readGrantInputs(input: GrantInputParameters, grant: string | undefined): GrantInputs | undefined {
  const { subjectToken, actorToken, subjectTokenType, actorTokenType, assertion } = input;
  if (subjectToken === undefined && actorToken === undefined && subjectTokenType === undefined && actorTokenType === undefined && assertion === undefined)
    return undefined;
  for (const [name, value] of [
    ['subjectToken', subjectToken],
    ['actorToken', actorToken],
    ['assertion', assertion],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new ConfigError(
        `token parameter \`${name}\` must be a non-empty string (a token), got ${typeof value === 'string' ? 'an empty string' : value === null ? 'null' : typeof value}`,
      );
    }
  }
  for (const [name, value] of [
    ['subjectTokenType', subjectTokenType],
    ['actorTokenType', actorTokenType],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || !(value in TOKEN_TYPES || /^[a-z][a-z\d+.-]*:\S+$/i.test(value)))) {
      throw new ConfigError(
        `token parameter \`${name}\` must be one of ${Object.keys(TOKEN_TYPES)
          .map((k) => JSON.stringify(k))
          .join(', ')} or an absolute URI, got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value}`,
      );
    }
  }
  const exchange = subjectToken !== undefined || actorToken !== undefined || subjectTokenType !== undefined || actorTokenType !== undefined;
  const [name, needs] = exchange
    ? [
        subjectToken !== undefined
          ? 'subjectToken'
          : actorToken !== undefined
            ? 'actorToken'
            : subjectTokenType !== undefined
              ? 'subjectTokenType'
              : 'actorTokenType',
        'token_exchange',
      ]
    : ['assertion', 'jwt_bearer'];
  if (exchange && assertion !== undefined)
    throw new ConfigError(`token parameters \`${name}\` (token exchange) and \`assertion\` (JWT bearer) belong to different grants`);
  if (grant !== needs) {
    throw new ConfigError(
      `token parameter \`${name}\` needs \`grant: '${needs}'\`, but the manager's grant is ${JSON.stringify(grant ?? 'client_credentials')}`,
    );
  }
  return new GrantInputs({
    subjectToken,
    actorToken,
    assertion,
    subjectTokenType: subjectTokenType === undefined ? undefined : tokenTypeUri(subjectTokenType),
    actorTokenType: actorTokenType === undefined ? undefined : tokenTypeUri(actorTokenType),
  });
}
