/**
 * Releasing a session at the server: a bearer-authenticated request (Veeam `DELETE /api/token`,
 * Jim2's logoff page) or RFC 7009 revocation. "Already logged off" is success.
 * @module
 */
import type { BuildRequest, EndpointSend } from './endpoint-send.js';
import { ErrorCode, TokenwardError } from './errors.js';
import { answerError, header } from './normalize.js';
import type { ResolvedOptions } from './options.js';
import { parseBody } from './parse-body.js';
import type { ReleaseTarget } from './sources.js';
import { authorizationValue, type Token } from './token.js';
import { finishRequest, startRequest } from './token-request.js';
import { redactUrl, type WireRequest } from './transport.js';

/** What {@link releaseSession} needs from the manager. */
export interface ReleaseContext {
  /** Sends to the authorization server (with a DPoP proof when DPoP is on). */
  send: EndpointSend;
  /** The endpoints (discovered if need be) and the client authentication to revoke with. */
  target: () => Promise<ReleaseTarget>;
  options: ResolvedOptions;
  secrets: Array<string | undefined>;
}

/**
 * How a release went: the server released the session; it said the session was already gone (404,
 * `invalid_token`); it does not revoke this kind of token (RFC 7009 §2.2.1 `unsupported_token_type`, as
 * oidc-provider answers for its JWT access tokens), so the token stays valid until it expires; or a bearer
 * logoff was refused with a 401, which means the access token is dead but not that the session is:
 * Jim2Server keeps a licensed session while its refresh token lives, long after the access token expired.
 */
export type ReleaseOutcome = 'released' | 'gone' | 'not-revocable' | 'unauthorized';

/**
 * Sends the logoff or revocation request(s) for `token`.
 * @throws {TokenwardError} `ERR_TOKENWARD_LOGOFF` when the server neither released the session nor said it was already gone.
 */
export async function releaseSession(token: Token, style: Exclude<ResolvedOptions['logoff'], false>, ctx: ReleaseContext): Promise<ReleaseOutcome> {
  const target = style.url === undefined || style.style === 'revoke' ? await releaseTarget(ctx) : undefined;
  if (style.style === 'bearer') {
    const url = style.url?.href ?? target!.endpoints.token;
    const request: WireRequest = { url, method: style.method, headers: { authorization: authorizationValue(token), accept: 'application/json' } };
    return sendRelease(request, () => request, ctx, BEARER);
  }
  const url = style.url?.href ?? target!.endpoints.revocation;
  if (url === undefined) {
    throw new TokenwardError(
      ErrorCode.LOGOFF,
      `logoff failed: the metadata of issuer ${JSON.stringify(ctx.options.issuer)} names no revocation_endpoint; set \`logoff.url\``,
    );
  }
  // RFC 7009: the refresh token first (revoking it ends the grant), then the access token. Released
  // beats not revocable (the grant ended with its refresh token) beats gone.
  let outcome: ReleaseOutcome = 'gone';
  for (const kind of style.tokens) {
    const value = kind === 'refresh_token' ? token.refreshToken : token.accessToken;
    if (value === undefined) continue;
    // Built afresh if it must be sent again (a DPoP nonce): a new client assertion, never a used one.
    const secrets = [...ctx.secrets, value];
    const build = async () => {
      const { secrets: carried, ...request } = await revocationRequest(url, value, kind, target!);
      secrets.push(...carried);
      return request;
    };
    const reading = kind === 'access_token' ? REVOKE_ACCESS : REVOKE_REFRESH;
    const answer = await sendRelease({ url, method: 'POST' }, build, { ...ctx, secrets }, reading);
    if (answer === 'released' || (answer === 'not-revocable' && outcome === 'gone')) outcome = answer;
  }
  return outcome;
}

/** The release target, a failure to find it (discovery) reported as a logoff failure. */
async function releaseTarget(ctx: ReleaseContext): Promise<ReleaseTarget> {
  try {
    return await ctx.target();
  } catch (err) {
    const cause = err as TokenwardError;
    throw new TokenwardError(ErrorCode.LOGOFF, `logoff failed: ${String(cause?.message).replace(/^tokenward: /, '')}`, { cause });
  }
}

/**
 * An RFC 7009 revocation request, authenticated by the same strategy as token requests (a fresh
 * assertion for `private_key_jwt`), with the secrets it carries for scrubbing.
 */
async function revocationRequest(url: string, value: string, hint: string, target: ReleaseTarget): Promise<WireRequest & { secrets: string[] }> {
  const request = startRequest(url, { token: value, token_type_hint: hint });
  request.secrets.push(value);
  try {
    await target.clientAuth.decorate(request, { audience: target.audience });
  } catch (err) {
    const cause = err as TokenwardError;
    throw new TokenwardError(ErrorCode.LOGOFF, `logoff failed: ${String(cause?.message).replace(/^tokenward: /, '')}`, { cause });
  }
  return { ...finishRequest(request), secrets: request.secrets };
}

/** How to read a logoff answer. */
interface Reading {
  /** A 401 means the token was already dead (bearer logoff); for revocation it means bad client credentials. */
  readonly unauthorizedMeansDeadToken: boolean;
  /** The server may refuse to revoke this kind of token (RFC 7009 §2.2.1 `unsupported_token_type`). */
  readonly optional: boolean;
}
const BEARER: Reading = { unauthorizedMeansDeadToken: true, optional: false };
const REVOKE_REFRESH: Reading = { unauthorizedMeansDeadToken: false, optional: false };
const REVOKE_ACCESS: Reading = { unauthorizedMeansDeadToken: false, optional: true };

/** Sends the release request `build` makes (`request` names it in errors) and reads the answer. */
async function sendRelease(request: Pick<WireRequest, 'url' | 'method'>, build: BuildRequest, ctx: ReleaseContext, reading: Reading): Promise<ReleaseOutcome> {
  const where = `${request.method} ${redactUrl(request.url)}`;
  let res: Awaited<ReturnType<ReleaseContext['send']>>;
  try {
    res = await ctx.send(build);
  } catch (err) {
    // Building it failed (a client assertion that could not be made): already a logoff error.
    if (err instanceof TokenwardError && err.code === ErrorCode.LOGOFF) throw err;
    const cause = err as TokenwardError;
    throw new TokenwardError(ErrorCode.LOGOFF, `logoff failed: ${where}: ${cause.message.replace(/^tokenward: /, '')}`, { cause });
  }
  if (res.status >= 200 && res.status < 300) return 'released';
  // 404: already gone. A 401 to a bearer logoff: the access token is dead (Veeam answers an expired
  // token's `DELETE /api/token` with 401); the session may not be. For revocation a 401 is `invalid_client`.
  if (res.status === 404) return 'gone';
  if (res.status === 401 && reading.unauthorizedMeansDeadToken) return 'unauthorized';
  const parsed = parseBody(res.body, header(res.headers, 'content-type'));
  const problem = answerError(res, parsed, ctx.secrets);
  // "Already logged off": 400 invalid_token. A server that cannot revoke access tokens (RFC 7009 §2.2.1)
  // is not an error either, but the token is not released: it lives until it expires.
  if (problem?.error === 'invalid_token') return 'gone';
  if (reading.optional && problem?.error === 'unsupported_token_type') return 'not-revocable';
  throw new TokenwardError(ErrorCode.LOGOFF, `logoff failed: ${where} answered ${res.status}${problem?.error ? ` ${problem.error}` : ''}`, {
    status: res.status,
    ...(problem?.error !== undefined ? { error: problem.error } : {}),
    ...(problem?.errorDescription !== undefined ? { errorDescription: problem.errorDescription } : {}),
    ...(problem?.bodyExcerpt !== undefined ? { bodyExcerpt: problem.bodyExcerpt } : {}),
    ...(problem ? { cause: problem } : {}),
  });
}
