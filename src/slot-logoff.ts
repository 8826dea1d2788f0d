/**
 * A slot's logoff: which token to release, how, and what to do when its access token is already dead.
 *
 * Jim2Server (Happen Business' Jim2 Web API) holds a paid user licence while the *refresh* token lives (20 minutes, sliding),
 * much longer than the access token. A service idle past its access token's expiry that logs off with
 * the dead access token gets a 401 and the licence stays taken. So with a bearer logoff and a refresh
 * token that may still be alive, the session is renewed by refresh token first (never by a new grant,
 * which would open a second session) and logged off with the fresh access token; a refused refresh
 * token means the session is gone.
 * @module
 */
import type { Entry } from './cache-entry.js';
import { ErrorCode, TokenwardError } from './errors.js';
import type { LogoffOutcome } from './events.js';
import { type ReleaseContext, type ReleaseOutcome, releaseSession } from './logoff.js';
import { isRefreshRefused } from './sources.js';
import type { StoreSlot } from './store-slot.js';
import type { Token } from './token.js';
import type { ResolvedParameters } from './token-params.js';
import type { SlotContext } from './token-slot.js';
import type { LogoffTrace } from './tracing.js';

/**
 * How close to expiry an access token is not worth logging off with (renew it first): 2 s, or a quarter
 * of a shorter token's life. A token that dies in flight is caught by the 401 path anyway.
 */
const DEAD_MARGIN_MS = 2_000;

function deadMargin(token: Token): number {
  return Math.min(DEAD_MARGIN_MS, (token.expiresAt - token.receivedAt) / 4);
}

/** What {@link logoffSlot} needs from its slot. */
export interface SlotLogoffContext {
  readonly ctx: SlotContext;
  readonly store: StoreSlot;
  readonly parameters: ResolvedParameters;
  /** Marks a token (and its refresh token) as never to be used again. */
  readonly retire: (token: Token) => void;
  /** The logoff's tracing context, when traced: told whether the server released the session. */
  readonly trace?: LogoffTrace | undefined;
}

/** A token to release and what is known about its life. */
interface Held {
  readonly token: Token;
  /** The access token is expired (or about to be): a bearer logoff with it would be refused. */
  readonly accessDead: boolean;
  /** The refresh token may still be alive (so may the session). */
  readonly refreshAlive: boolean;
}

/**
 * Releases the session behind `cached` (the slot's entry), or, with none, behind the token in the store
 * (a fleet's one-off logoff job). Forgets it in the store only if the store still holds it, so another
 * instance's newer token stays. Emits `logoff`; throws `ERR_TOKENWARD_LOGOFF` when the server did not release it.
 */
export async function logoffSlot(cached: Entry | undefined, s: SlotLogoffContext): Promise<void> {
  const { ctx, store } = s;
  const finished = (outcome: LogoffOutcome): void => {
    const released = outcome === 'released';
    if (s.trace !== undefined) s.trace.released = released;
    ctx.events.emit('logoff', { released, outcome });
  };
  const held = cached !== undefined ? fromEntry(cached) : fromStore(await store.get());
  if (held === undefined) {
    finished('no-token');
    return;
  }
  s.retire(held.token);
  // Compare-and-delete: a newer token another instance stored meanwhile is not ours to delete.
  await store.forget(held.token.accessToken);
  const style = ctx.options.logoff;
  if (style === false) {
    finished('not-configured');
    return;
  }
  try {
    const outcome = await release(held, style, s);
    finished(outcome === 'unauthorized' ? 'already-ended' : outcome === 'gone' ? 'already-ended' : outcome);
  } catch (err) {
    const error = err instanceof TokenwardError ? err : new TokenwardError(ErrorCode.LOGOFF, `logoff failed: ${(err as Error)?.message}`, { cause: err });
    ctx.events.emit('error', error);
    finished('failed');
    throw error;
  }
}

async function release(held: Held, style: Exclude<SlotContext['options']['logoff'], false>, s: SlotLogoffContext): Promise<ReleaseOutcome> {
  const send = (token: Token) => releaseSession(token, style, releaseContext(token, s.ctx));
  // RFC 7009 revocation takes the refresh token itself: no live access token needed.
  if (style.style === 'revoke') return send(held.token);
  const renewable = held.token.refreshToken !== undefined && held.refreshAlive;
  if (held.accessDead && renewable) {
    const fresh = await renewToRelease(held.token, s);
    return fresh === undefined ? 'gone' : settle(await send(fresh));
  }
  const outcome = await send(held.token);
  // The access token was dead after all (the server forgot it): the session may live on its refresh token.
  if (outcome !== 'unauthorized' || !renewable) return settle(outcome);
  const fresh = await renewToRelease(held.token, s);
  return fresh === undefined ? 'gone' : settle(await send(fresh));
}

/** A 401 to a logoff with a live (or just renewed) access token: nothing more to release. */
function settle(outcome: ReleaseOutcome): ReleaseOutcome {
  return outcome === 'unauthorized' ? 'gone' : outcome;
}

/**
 * One refresh, only to log off: never the fallback grant (a second session). A refused refresh token
 * means the session is gone (`undefined`); any other failure means it may be alive and could not be
 * released, which is an error. The renewed token is retired at once: it exists only to be released.
 */
async function renewToRelease(token: Token, s: SlotLogoffContext): Promise<Token | undefined> {
  try {
    const fresh = await s.ctx.endpoint.refresh(token, s.parameters, undefined, s.trace);
    s.retire(fresh);
    return fresh;
  } catch (err) {
    if (isRefreshRefused(err)) return undefined;
    throw new TokenwardError(
      ErrorCode.LOGOFF,
      `logoff failed: the access token expired and renewing the session to release it failed: ${(err as Error)?.message?.replace(/^tokenward: /, '')}`,
      { cause: err },
    );
  }
}

function releaseContext(token: Token, ctx: SlotContext): ReleaseContext {
  return { send: ctx.send, target: () => ctx.endpoint.releaseTarget(), options: ctx.options, secrets: ctx.endpoint.secrets(token) };
}

/** The slot's own token: its deadlines are monotonic. */
function fromEntry(entry: Entry): Held {
  const now = performance.now();
  // An invalidated entry (the API rejected it) has -Infinity deadlines: its access token counts as dead.
  return { token: entry.token, accessDead: now >= entry.usableUntil - deadMargin(entry.token), refreshAlive: now < entry.refreshUsableUntil };
}

/** A token read from the store: its instants were re-based by the store on this host's wall clock. */
function fromStore(token: Token | undefined): Held | undefined {
  if (token === undefined) return undefined;
  const now = Date.now();
  return { token, accessDead: now >= token.expiresAt - deadMargin(token), refreshAlive: token.refreshExpiresAt === undefined || now < token.refreshExpiresAt };
}
