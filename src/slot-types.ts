/**
 * The interfaces around a token slot: what every slot of one manager shares, and the narrow view of a
 * slot that `tm.fetch` and the undici interceptor get.
 * @module
 */

import type { EndpointSend } from './endpoint-send.js';
import type { Emitter, TokenwardEvents } from './events.js';
import type { ResolvedOptions } from './options.js';
import type { TokenEndpoint } from './sources.js';
import type { Token } from './token.js';

/** What every slot of one manager shares. */
export interface SlotContext {
  readonly options: ResolvedOptions;
  readonly endpoint: TokenEndpoint;
  readonly events: Emitter;
  /** Sends to the authorization server (logoff): with a DPoP proof when DPoP is on. */
  readonly send: EndpointSend;
  /** The manager-wide `logoff()` while one runs: acquisitions wait for it, then start afresh. */
  readonly managerLogoff: () => Promise<void> | undefined;
  /** The `TokenManager`, named in tracing messages (`tracing.ts`). */
  readonly manager: object;
}

/**
 * What `tm.fetch` and the undici interceptor need from a slot, and nothing more.
 * @internal
 */
export interface SlotAccess {
  /** The cached token when a request may carry it without a look at the store; else `undefined` (then {@link SlotAccess.acquire}). Synchronous. */
  peekForRequest(): Token | undefined;
  /** A valid token (single-flight, waits for a logoff in progress). */
  acquire(signal?: AbortSignal): Promise<Token>;
  /**
   * An API answer that came from an origin which received `token` rejected it. `true`: it was dropped,
   * renew and replay; `false`: a renewal just proved useless (cool-down), return the answer as it is.
   */
  rejected(token: Token): boolean;
  /** The replay with a renewed token was rejected too: no renewal for `RENEWAL_COOLDOWN_MS`. */
  replayRejected(): void;
  /** An answer to a request with `token` was not a rejection: a renewal that produced it worked. Cheap. */
  accepted(token: Token): void;
  /** A rejected request is about to be replayed with a renewed token: reports `auth-replay`. */
  replaying(rejection: TokenwardEvents['auth-replay']): void;
}
