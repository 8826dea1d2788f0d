/**
 * DPoP at the authorization server: a proof on every request to it (token, refresh, revocation, a
 * bearer logoff), and the one retry RFC 9449 §8 asks for when the server wants a nonce. Applied in one
 * place: it wraps the sender every such request goes through (`endpoint-send.ts`).
 * @module
 */
import type { DpopKey } from './dpop.js';
import { accessTokenHash, htuOf } from './dpop.js';
import type { DpopNonces } from './dpop-nonces.js';
import type { EndpointSend } from './endpoint-send.js';
import { header, type TokenHttpResponse } from './normalize.js';
import { parseBody } from './parse-body.js';
import type { Send, WireRequest } from './transport.js';
import { asksForDpopNonce, parseWwwAuthenticate } from './www-authenticate.js';

/**
 * Sends with a DPoP proof (and `ath` when the request carries a DPoP-bound token, as a bearer logoff
 * does). When the server answers `use_dpop_nonce` with a new nonce (a 400 from the token endpoint, a
 * 401 challenge from a logoff resource), the request is built afresh (a new client assertion, new grant
 * values) and sent once more with that nonce. The retry is part of the same try: not a retry event, not
 * counted against `retry`, and never a second grant, since the first was refused.
 */
export function dpopEndpointSend(send: Send, key: DpopKey, nonces: DpopNonces): EndpointSend {
  const prove = (request: WireRequest, origin: string): WireRequest => {
    const authorization = request.headers.authorization;
    const ath = authorization?.startsWith('DPoP ') ? accessTokenHash(authorization.slice(5)) : undefined;
    const proof = key.proof(request.method, htuOf(request.url), nonces.get(origin), ath);
    return { ...request, headers: { ...request.headers, dpop: proof } };
  };
  return async (build, signal) => {
    const request = await build();
    const origin = new URL(request.url).origin;
    const sent = nonces.get(origin);
    const res = await send(prove(request, origin), signal);
    const nonce = nonces.note(origin, header(res.headers, 'dpop-nonce'));
    if (nonce === undefined || nonce === sent || !asksForNonce(res)) return res;
    const again = await send(prove(await build(), origin), signal);
    nonces.note(origin, header(again.headers, 'dpop-nonce'));
    return again;
  };
}

/** Whether an answer asks for a proof with the server's nonce: RFC 9449 §8 (400 body) or §9 (401 challenge). */
function asksForNonce(res: TokenHttpResponse): boolean {
  if (res.status === 401) return asksForDpopNonce(parseWwwAuthenticate(header(res.headers, 'www-authenticate')));
  if (res.status !== 400) return false;
  return parseBody(res.body, header(res.headers, 'content-type')).fields?.error === 'use_dpop_nonce';
}
