/**
 * Releasing a session at the server: a bearer-authenticated request (Veeam `DELETE /api/token`,
 * Jim2's logoff page) or RFC 7009 revocation. "Already logged off" is success.
 * @module
 */
import { basicAuthorization, type WireClientAuth } from './client-auth.js';
import { ErrorCode, TokenwardError } from './errors.js';
import { answerError, header } from './normalize.js';
import type { ResolvedOptions } from './options.js';
import { parseBody } from './parse-body.js';
import { authorizationValue, type Token } from './token.js';
import { redactUrl, type Send, type WireRequest } from './transport.js';

/** What {@link releaseSession} needs from the manager. */
export interface ReleaseContext {
  send: Send;
  clientAuth: WireClientAuth;
  options: ResolvedOptions;
  secrets: Array<string | undefined>;
}

/**
 * Sends the logoff or revocation request(s) for `token`.
 * @throws {TokenwardError} `ERR_TOKENWARD_LOGOFF` when the server neither released the session nor said it was already gone.
 */
export async function releaseSession(token: Token, style: Exclude<ResolvedOptions['logoff'], false>, ctx: ReleaseContext): Promise<void> {
  if (style.style === 'bearer') {
    await sendRelease({ url: style.url.href, method: style.method, headers: { authorization: authorizationValue(token), accept: 'application/json' } }, ctx, BEARER);
    return;
  }
  // RFC 7009: the refresh token first (revoking it ends the grant), then the access token.
  for (const kind of style.tokens) {
    const value = kind === 'refresh_token' ? token.refreshToken : token.accessToken;
    if (value === undefined) continue;
    await sendRelease(revocationRequest(style.url, value, kind, ctx), ctx, kind === 'access_token' ? REVOKE_ACCESS : REVOKE_REFRESH);
  }
}

function revocationRequest(url: URL, value: string, hint: string, ctx: ReleaseContext): WireRequest {
  const o = ctx.options;
  const fields: Array<[string, string]> = [['token', value], ['token_type_hint', hint]];
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (ctx.clientAuth === 'basic' && o.clientId !== undefined) headers.authorization = basicAuthorization(o.clientId, o.clientSecret ?? '', o.basicEncoding);
  else if (o.clientId !== undefined) {
    fields.push(['client_id', o.clientId]);
    if (ctx.clientAuth === 'body' && o.clientSecret !== undefined) fields.push(['client_secret', o.clientSecret]);
  }
  return { url: url.href, method: 'POST', headers, body: new URLSearchParams(fields).toString() };
}

/** How to read a logoff answer. */
interface Reading {
  /** A 401 means the token was already dead (bearer logoff); for revocation it means bad client credentials. */
  readonly unauthorizedIsGone: boolean;
  /** The server may refuse to revoke this kind of token (RFC 7009 §2.2.1 `unsupported_token_type`). */
  readonly optional: boolean;
}
const BEARER: Reading = { unauthorizedIsGone: true, optional: false };
const REVOKE_REFRESH: Reading = { unauthorizedIsGone: false, optional: false };
const REVOKE_ACCESS: Reading = { unauthorizedIsGone: false, optional: true };

async function sendRelease(request: WireRequest, ctx: ReleaseContext, reading: Reading): Promise<void> {
  const where = `${request.method} ${redactUrl(request.url)}`;
  let res;
  try {
    res = await ctx.send(request);
  } catch (err) {
    const cause = err as TokenwardError;
    throw new TokenwardError(ErrorCode.LOGOFF, `logoff failed: ${where}: ${cause.message.replace(/^tokenward: /, '')}`, { cause });
  }
  if (isLoggedOff(res.status, reading)) return;
  const parsed = parseBody(res.body, header(res.headers, 'content-type'));
  const problem = answerError(res, parsed, ctx.secrets);
  // "Already logged off": 400 invalid_token. A server that cannot revoke access tokens (RFC 7009 §2.2.1) is fine too.
  if (problem?.error === 'invalid_token' || (reading.optional && problem?.error === 'unsupported_token_type')) return;
  throw new TokenwardError(ErrorCode.LOGOFF, `logoff failed: ${where} answered ${res.status}${problem?.error ? ` ${problem.error}` : ''}`, {
    status: res.status,
    ...(problem?.error !== undefined ? { error: problem.error } : {}),
    ...(problem?.errorDescription !== undefined ? { errorDescription: problem.errorDescription } : {}),
    ...(problem?.bodyExcerpt !== undefined ? { bodyExcerpt: problem.bodyExcerpt } : {}),
    ...(problem ? { cause: problem } : {}),
  });
}

/**
 * 2xx released it; 404 means it was already gone, and so does a 401 to a bearer logoff (Veeam answers an
 * expired token's `DELETE /api/token` with 401). A 401 from a revocation endpoint is `invalid_client`.
 */
function isLoggedOff(status: number, reading: Reading): boolean {
  return (status >= 200 && status < 300) || status === 404 || (status === 401 && reading.unauthorizedIsGone);
}
