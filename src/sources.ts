/**
 * The token endpoint as a token source: the configured grant, the refresh_token grant, retries, and
 * client authentication as a strategy chosen by a policy (`client-auth/`): no branch here knows a method.
 * No caching here; see `manager.ts`.
 * @module
 */
import {
  basicAuthorization,
  type ClientAuthPolicy,
  type ClientAuthStrategy,
  isClientNotAuthenticated,
  NO_CLIENT_AUTH,
  type WireClientAuth,
} from './client-auth/index.js';
import type { EndpointSend } from './endpoint-send.js';
import type { EndpointSource, Endpoints } from './endpoints.js';
import { callOption, ErrorCode, OAuthError, ResponseError, TokenwardError } from './errors.js';
import type { Emitter } from './events.js';
import type { Grant, GrantRequest, GrantTarget } from './grants/index.js';
import { normalizeTokenResponse } from './normalize.js';
import type { ResolvedOptions } from './options.js';
import { TOKEN_TYPES } from './options-grants.js';
import { withRetry } from './retry.js';
import type { Token } from './token.js';
import { NO_PARAMETERS, parameterFields, type ResolvedParameters } from './token-params.js';
import { finishRequest, startRequest } from './token-request.js';
import { type OperationTrace, tracedAttempts } from './tracing.js';
import type { WireRequest } from './transport.js';

/** What one token request sends besides client authentication. */
interface RequestBody {
  /** `grant_type`: refresh requests may go without client authentication. */
  readonly grantType: string;
  /** The grant's fields, built afresh for every try. */
  readonly build: (target: GrantTarget) => GrantRequest | Promise<GrantRequest>;
  readonly scope: string | undefined;
  /** The token's parameter set (`resource`, `audience`, its own params). */
  readonly parameters: ResolvedParameters;
  /** The traced acquisition or logoff this request is for (see `tracing.ts`). */
  readonly trace: OperationTrace | undefined;
}

/** What a logoff needs to reach the server as this client. */
export interface ReleaseTarget {
  readonly endpoints: Endpoints;
  /** The client authentication in use (learned by `auto`, else its first choice). */
  readonly clientAuth: ClientAuthStrategy;
  /** The `aud` of client assertions. */
  readonly audience: string;
}

/**
 * Token types besides Bearer that these options can use: `DPoP` when DPoP is on (the server may bind the
 * token, or not: both are sent as they say), and RFC 8693's `N_A` when a token exchange asks for
 * something other than an access token (an ID token, a SAML assertion), which is then for `getToken()`.
 */
function acceptedTokenTypes(o: ResolvedOptions): readonly string[] {
  const types: string[] = [];
  if (o.dpop !== undefined) types.push('DPoP');
  if (o.grant === 'token_exchange' && o.requestedTokenType !== undefined && o.requestedTokenType !== TOKEN_TYPES.access_token) types.push('N_A');
  return Object.freeze(types);
}

/** Acquires tokens from one token endpoint. */
export class TokenEndpoint {
  readonly #o: ResolvedOptions;
  readonly #send: EndpointSend;
  readonly #events: Emitter;
  readonly #auth: ClientAuthPolicy;
  readonly #endpoints: EndpointSource;
  readonly #grant: Grant;
  readonly #acceptedTypes: readonly string[];

  constructor(options: ResolvedOptions, send: EndpointSend, events: Emitter, auth: ClientAuthPolicy, endpoints: EndpointSource, grant: Grant) {
    this.#o = options;
    this.#send = send;
    this.#events = events;
    this.#auth = auth;
    this.#endpoints = endpoints;
    this.#grant = grant;
    this.#acceptedTypes = acceptedTokenTypes(options);
  }

  /** The client authentication in use: configured, learned by `auto`, or `undefined` before the first answer. */
  get clientAuth(): WireClientAuth | undefined {
    return this.#auth.current;
  }

  /** Runs the configured grant (its module in `grants/`) for one parameter set. */
  grant(parameters: ResolvedParameters = NO_PARAMETERS, signal?: AbortSignal, trace?: OperationTrace): Promise<Token> {
    const grant = this.#grant;
    return this.#exchange(
      { grantType: grant.name, build: (target) => grant.request(parameters, target), scope: parameters.scope ?? this.#o.scope, parameters, trace },
      undefined,
      signal,
    );
  }

  /**
   * Renews with `grant_type=refresh_token`. Keeps `previous.refreshToken` (and its expiry) when the
   * server does not rotate it: RFC 6749 §6, and simple-oauth2 #58 shows what losing it costs.
   */
  async refresh(previous: Token, parameters: ResolvedParameters = NO_PARAMETERS, signal?: AbortSignal, trace?: OperationTrace): Promise<Token> {
    // A parameter set's own scope, resource and audience go with its refresh too (RFC 8707 §2.2: the
    // resource selects the audience of the new access token); the manager's default scope does not.
    const request: GrantRequest = { fields: { grant_type: 'refresh_token', refresh_token: previous.refreshToken }, secrets: [] };
    const token = await this.#exchange({ grantType: 'refresh_token', build: () => request, scope: parameters.scope, parameters, trace }, previous, signal);
    if (token.refreshToken === previous.refreshToken && token.refreshExpiresAt === undefined && previous.refreshExpiresAt !== undefined) {
      return { ...token, refreshExpiresAt: previous.refreshExpiresAt };
    }
    return token;
  }

  /**
   * `refreshing(grant)`: renews by the refresh token of `base` when given (the caller decides whether it
   * is still worth presenting), and falls back once to the configured grant when the server refuses it
   * ({@link isRefreshRefused}), reporting `refresh-fallback`. Any other failure (network, timeout, 5xx)
   * is thrown: it does not prove the refresh token dead.
   */
  async renew(
    base: Token | undefined,
    parameters: ResolvedParameters = NO_PARAMETERS,
    trace?: OperationTrace,
  ): Promise<{ token: Token; how: 'grant' | 'refresh' }> {
    if (base?.refreshToken !== undefined) {
      try {
        return { token: await this.refresh(base, parameters, undefined, trace), how: 'refresh' };
      } catch (err) {
        if (!isRefreshRefused(err)) throw err;
        this.#events.emit('refresh-fallback', { error: err });
      }
    }
    return { token: await this.grant(parameters, undefined, trace), how: 'grant' };
  }

  /** The endpoints (discovered if need be) and client authentication a logoff uses. */
  async releaseTarget(): Promise<ReleaseTarget> {
    const endpoints = await this.#endpoints.get();
    const clientAuth = this.#auth.candidates(endpoints.authMethods)[0]!;
    return { endpoints, clientAuth, audience: this.#audience(endpoints) };
  }

  /** Secrets to scrub from anything derived from an answer: credentials, the grant's inputs, `extra`'s tokens. */
  secrets(extra?: Token, parameters?: ResolvedParameters): Array<string | undefined> {
    const o = this.#o;
    // The Basic pair's base64 too: a debugging proxy that echoes request headers must not leak it.
    const basic =
      o.clientId !== undefined && o.clientSecret !== undefined
        ? basicAuthorization(o.clientId, o.clientSecret, o.basicEncoding).slice('Basic '.length)
        : undefined;
    return [o.clientSecret, o.password, basic, ...this.#grant.secrets, ...(parameters?.grantInputs?.secrets ?? []), extra?.refreshToken, extra?.accessToken];
  }

  /**
   * One exchange: the endpoints (metadata fetched at most once, and again when the token endpoint
   * answered 404), then each client-authentication candidate in turn while the server says the client
   * was not authenticated.
   */
  async #exchange(body: RequestBody, previous: Token | undefined, signal?: AbortSignal): Promise<Token> {
    // A configured tokenUrl answers synchronously: no await (each costs the request a few microtask turns).
    const known = this.#endpoints.get(signal);
    const endpoints = known instanceof Promise ? await known : known;
    try {
      return await this.#authenticated(endpoints, body, previous, signal);
    } catch (err) {
      // The token endpoint moved (a realm renamed, a tenant migrated): fetch the metadata again, once.
      if (!(err instanceof TokenwardError) || err.status !== 404 || !this.#endpoints.invalidate()) throw err;
      const fresh = await this.#endpoints.get(signal);
      if (fresh.token === endpoints.token) throw err;
      return this.#authenticated(fresh, body, previous, signal);
    }
  }

  async #authenticated(endpoints: Endpoints, body: RequestBody, previous: Token | undefined, signal?: AbortSignal): Promise<Token> {
    if (body.grantType === 'refresh_token' && !this.#o.refreshWithClientAuth) return this.#attempt(endpoints, body, NO_CLIENT_AUTH, previous, signal);
    const candidates = this.#auth.candidates(endpoints.authMethods);
    const refused: TokenwardError[] = [];
    for (const [i, strategy] of candidates.entries()) {
      try {
        const token = await this.#attempt(endpoints, body, strategy, previous, signal);
        this.#auth.settle(strategy);
        return token;
      } catch (err) {
        if (!(err instanceof TokenwardError)) throw err;
        this.#auth.settle(strategy, err);
        const notAuthenticated = isClientNotAuthenticated(err);
        if (notAuthenticated && i < candidates.length - 1) {
          refused.push(err);
          continue;
        }
        if (!notAuthenticated || refused.length === 0) throw err;
        // Report every answer: golang/oauth2 returns only the last, which hides the real problem (#786).
        const attempts = [...refused, err];
        const labels = candidates.map((c) => c.label);
        const Both = err instanceof OAuthError ? OAuthError : ResponseError;
        throw new Both(
          err.code,
          `client authentication failed ${attempts.length === 2 ? 'both ways' : 'every way'}: ${attempts.map((a, n) => `with ${labels[n]}, ${summary(a)}`).join('; ')}`,
          {
            ...(err.status !== undefined ? { status: err.status } : {}),
            ...(err.error !== undefined ? { error: err.error } : {}),
            ...(err.errorDescription !== undefined ? { errorDescription: err.errorDescription } : {}),
            attempts,
            cause: err,
          },
        );
      }
    }
    throw new Error('unreachable: a client-auth policy offered no strategy');
  }

  /**
   * One request (with retries) using one client-authentication strategy: the grant's fields and the
   * client authentication are built afresh for every try, and for every send within it (a DPoP nonce).
   * Each try is published on `tokenward:request` when someone listens.
   */
  #attempt(endpoints: Endpoints, body: RequestBody, auth: ClientAuthStrategy, previous: Token | undefined, signal: AbortSignal | undefined): Promise<Token> {
    const o = this.#o;
    const target = { audience: this.#audience(endpoints) };
    return withRetry(
      tracedAttempts({ url: endpoints.token, grant: body.grantType, clientAuth: auth.method, parent: body.trace }, async (trace) => {
        const secrets = this.secrets(previous, body.parameters);
        // Built for every send (a DPoP nonce retry builds it again); awaited only where something is async.
        const build = (): WireRequest | Promise<WireRequest> => {
          const grant = body.build(target);
          return grant instanceof Promise ? grant.then(decorate) : decorate(grant);
        };
        const decorate = (grant: GrantRequest): WireRequest | Promise<WireRequest> => {
          secrets.push(...grant.secrets);
          const request = startRequest(endpoints.token, grant.fields, body.scope);
          const done = (): WireRequest => {
            secrets.push(...request.secrets);
            return finishRequest(request, o.params, o.bodyFormat, parameterFields(body.parameters));
          };
          const decorated = auth.decorate(request, target);
          return decorated instanceof Promise ? decorated.then(done) : done();
        };
        const res = await this.#send(build, signal);
        if (trace !== undefined) trace.status = res.status;
        try {
          return normalizeTokenResponse(res, {
            now: Date.now(),
            defaultExpiresIn: o.defaultExpiresIn,
            secrets,
            acceptedTokenTypes: this.#acceptedTypes,
            ...(previous?.refreshToken !== undefined ? { previousRefreshToken: previous.refreshToken } : {}),
          });
        } catch (err) {
          throw this.#mapped(err);
        }
      }),
      o.retry,
      (attempt, retriesLeft, error) => this.#events.emit('retry', { attempt, retriesLeft, error }),
      signal,
    );
  }

  /** The `aud` of assertions: configured, else the issuer (after the 2025 audience disclosure), else the token endpoint. */
  #audience(endpoints: Endpoints): string {
    return this.#o.assertionAudience ?? endpoints.issuer ?? endpoints.tokenAudience;
  }

  /** Applies the `mapError` option (Jim2's "no licence free") to an answer's error. */
  #mapped(err: unknown): unknown {
    const mapError = this.#o.mapError;
    if (!(err instanceof TokenwardError) || mapError === undefined) return err;
    const code = callOption('mapError', () => mapError(err));
    if (code === undefined || code === err.code) return err;
    return new OAuthError(code, err.message, {
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.error !== undefined ? { error: err.error } : {}),
      ...(err.errorDescription !== undefined ? { errorDescription: err.errorDescription } : {}),
      ...(err.bodyExcerpt !== undefined ? { bodyExcerpt: err.bodyExcerpt } : {}),
      cause: err,
    });
  }
}

function summary(err: TokenwardError): string {
  const parts = [err.status !== undefined ? String(err.status) : err.code, err.error].filter(Boolean);
  return err.errorDescription !== undefined ? `${parts.join(' ')} ${JSON.stringify(err.errorDescription)}` : parts.join(' ');
}

/**
 * Whether a failed refresh means the refresh token is dead: `invalid_grant` (expired or revoked, InfoLink's
 * nested form too, whatever the status) or any other 4xx but 408/429 (some servers answer a dead refresh
 * token with an empty 400). Then the manager drops it and falls back once to the original grant.
 */
export function isRefreshRefused(err: unknown): err is TokenwardError {
  if (!(err instanceof TokenwardError)) return false;
  if (err.code === ErrorCode.NETWORK || err.code === ErrorCode.TIMEOUT || err.code === ErrorCode.ABORTED) return false;
  if (err.error === 'invalid_grant') return true;
  const s = err.status;
  return s !== undefined && s >= 400 && s < 500 && s !== 408 && s !== 429;
}
