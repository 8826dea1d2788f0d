/**
 * The token endpoint as a token source: the configured grant, the refresh_token grant, client
 * authentication (with `auto` probing) and retries. No caching here; see `manager.ts`.
 * @module
 */
import { basicAuthorization, isClientNotAuthenticated, type WireClientAuth } from './client-auth.js';
import { callOption, ErrorCode, OAuthError, ResponseError, TokenwardError } from './errors.js';
import type { Emitter } from './events.js';
import { normalizeTokenResponse } from './normalize.js';
import type { ResolvedOptions } from './options.js';
import { withRetry } from './retry.js';
import type { Token } from './token.js';
import { NO_PARAMETERS, parameterFields, type ResolvedParameters } from './token-params.js';
import { buildTokenRequest } from './token-request.js';
import type { Send } from './transport.js';

/** Acquires tokens from one token endpoint. */
export class TokenEndpoint {
  readonly #o: ResolvedOptions;
  readonly #send: Send;
  readonly #events: Emitter;
  /** What `auto` learned works for this client, kept for the life of the manager. */
  #learned: WireClientAuth | undefined;

  constructor(options: ResolvedOptions, send: Send, events: Emitter) {
    this.#o = options;
    this.#send = send;
    this.#events = events;
    if (options.clientAuth !== 'auto') this.#learned = options.clientAuth;
    // Without a secret there is nothing to put in a Basic header: a public client sends its id in the body.
    else if (options.clientSecret === undefined) this.#learned = 'none';
  }

  /** The client authentication in use: configured, learned by `auto`, or `undefined` before the first answer. */
  get clientAuth(): WireClientAuth | undefined {
    return this.#learned;
  }

  /** Runs the configured grant (`client_credentials` or `password`) for one parameter set. */
  grant(parameters: ResolvedParameters = NO_PARAMETERS, signal?: AbortSignal): Promise<Token> {
    const o = this.#o;
    const fields = o.grant === 'password' ? { grant_type: 'password', username: o.username, password: o.password } : { grant_type: 'client_credentials' };
    return this.#exchange(fields, parameters.scope ?? o.scope, parameters, undefined, signal);
  }

  /**
   * Renews with `grant_type=refresh_token`. Keeps `previous.refreshToken` (and its expiry) when the
   * server does not rotate it: RFC 6749 §6, and simple-oauth2 #58 shows what losing it costs.
   */
  async refresh(previous: Token, parameters: ResolvedParameters = NO_PARAMETERS, signal?: AbortSignal): Promise<Token> {
    // A parameter set's own scope, resource and audience go with its refresh too (RFC 8707 §2.2: the
    // resource selects the audience of the new access token); the manager's default scope does not.
    const token = await this.#exchange({ grant_type: 'refresh_token', refresh_token: previous.refreshToken }, parameters.scope, parameters, previous, signal);
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
  async renew(base: Token | undefined, parameters: ResolvedParameters = NO_PARAMETERS): Promise<{ token: Token; how: 'grant' | 'refresh' }> {
    if (base?.refreshToken !== undefined) {
      try {
        return { token: await this.refresh(base, parameters), how: 'refresh' };
      } catch (err) {
        if (!isRefreshRefused(err)) throw err;
        this.#events.emit('refresh-fallback', { error: err });
      }
    }
    return { token: await this.grant(parameters), how: 'grant' };
  }

  /** Secrets to scrub from anything derived from an answer. */
  secrets(extra?: Token): Array<string | undefined> {
    const o = this.#o;
    // The Basic pair's base64 too: a debugging proxy that echoes request headers must not leak it.
    const basic = o.clientId !== undefined && o.clientSecret !== undefined ? basicAuthorization(o.clientId, o.clientSecret, o.basicEncoding).slice('Basic '.length) : undefined;
    return [o.clientSecret, o.password, basic, extra?.refreshToken, extra?.accessToken];
  }

  async #exchange(fields: Record<string, string | undefined>, scope: string | undefined, parameters: ResolvedParameters, previous: Token | undefined, signal?: AbortSignal): Promise<Token> {
    const isRefresh = fields.grant_type === 'refresh_token';
    const p = parameters;
    if (isRefresh && !this.#o.refreshWithClientAuth) return this.#attempt(fields, scope, p, 'none', previous, signal, false);
    const known = this.#learned;
    if (known !== undefined) return this.#attempt(fields, scope, p, known, previous, signal, true);

    // clientAuth 'auto', first request: Basic, then body once if the server says the client was not authenticated.
    let basicError: TokenwardError;
    try {
      const token = await this.#attempt(fields, scope, p, 'basic', previous, signal, true);
      this.#learned = 'basic';
      return token;
    } catch (err) {
      if (!(err instanceof TokenwardError) || !isClientNotAuthenticated(err)) throw err;
      basicError = err;
    }
    try {
      const token = await this.#attempt(fields, scope, p, 'body', previous, signal, true);
      this.#learned = 'body';
      return token;
    } catch (err) {
      if (!(err instanceof TokenwardError)) throw err;
      if (!isClientNotAuthenticated(err)) {
        // Body credentials got past client authentication (the grant itself failed: invalid_grant, ...),
        // so body is what this server takes. A 5xx or network error proves nothing: learn nothing.
        if (err.error !== undefined) this.#learned = 'body';
        throw err;
      }
      // Report both answers: golang/oauth2 returns only the second, which hides the real problem (#786).
      const Both = err instanceof OAuthError ? OAuthError : ResponseError;
      throw new Both(err.code, `client authentication failed both ways: with Basic, ${summary(basicError)}; with body credentials, ${summary(err)}`, {
        ...(err.status !== undefined ? { status: err.status } : {}),
        ...(err.error !== undefined ? { error: err.error } : {}),
        ...(err.errorDescription !== undefined ? { errorDescription: err.errorDescription } : {}),
        attempts: [basicError, err],
        cause: err,
      });
    }
  }

  /** One request (with retries) using one client-auth style. */
  #attempt(
    fields: Record<string, string | undefined>,
    scope: string | undefined,
    parameters: ResolvedParameters,
    clientAuth: WireClientAuth,
    previous: Token | undefined,
    signal: AbortSignal | undefined,
    sendClientId: boolean,
  ): Promise<Token> {
    const o = this.#o;
    const request = buildTokenRequest({
      tokenUrl: o.tokenUrl,
      grant: fields,
      clientAuth,
      clientId: sendClientId ? o.clientId : undefined,
      clientSecret: o.clientSecret,
      basicEncoding: o.basicEncoding,
      scope,
      params: o.params,
      extra: parameterFields(parameters),
      bodyFormat: o.bodyFormat,
    });
    const secrets = this.secrets(previous);
    return withRetry(
      async () => {
        const res = await this.#send(request, signal);
        try {
          return normalizeTokenResponse(res, {
            now: Date.now(),
            defaultExpiresIn: o.defaultExpiresIn,
            secrets,
            ...(previous?.refreshToken !== undefined ? { previousRefreshToken: previous.refreshToken } : {}),
          });
        } catch (err) {
          throw this.#mapped(err);
        }
      },
      o.retry,
      (attempt, retriesLeft, error) => this.#events.emit('retry', { attempt, retriesLeft, error }),
      signal,
    );
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
