/**
 * How requests to the authorization server (token, refresh, revocation, a bearer logoff) are sent: each
 * is built by a function, so a decorator that must send it again (a DPoP nonce the server asks for) can
 * build it afresh, with a new client assertion and new grant values, rather than replay a used one.
 * @module
 */
import type { TokenHttpResponse } from './normalize.js';
import type { Send, WireRequest } from './transport.js';

/** Builds one request: called once per send, and once more when a decorator must send it again. */
export type BuildRequest = () => WireRequest | Promise<WireRequest>;

/** Sends a request to the authorization server, built by `build`. */
export type EndpointSend = (build: BuildRequest, signal?: AbortSignal) => Promise<TokenHttpResponse>;

/** The plain sender: build, then send. DPoP wraps it (see `dpop-endpoint.ts`). */
export function plainEndpointSend(send: Send): EndpointSend {
  // A request built synchronously goes out without an await: each costs it a few microtask turns.
  return (build, signal) => {
    const request = build();
    return request instanceof Promise ? request.then((built) => send(built, signal)) : send(request, signal);
  };
}
