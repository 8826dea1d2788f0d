/**
 * The proactive refresh timer (`proactive: true`): one timer per manager that fires shortly before the
 * cached token starts expiring, so callers never wait for a renewal. Off by default: Jim2Server holds a
 * paid licence for as long as a session is alive.
 * @module
 */
import type { Entry } from './cache-entry.js';
import { monotonicNow } from './clock.js';

/**
 * The longest delay `setTimeout` takes. Node fires a longer one after 1 ms (with a warning), which for a
 * 60-day token meant a token request every millisecond; a longer wait is cut into steps of this size.
 */
const MAX_TIMER_MS = 2_147_483_647;

/** The least time between a token being adopted and the next background refresh, however short its life. */
const MIN_BACKGROUND_REFRESH_MS = 1_000;

/** How long before `refreshAt` the timer fires, at most; callers racing it are still served the old token. */
const MAX_LEAD_MS = 5_000;

/**
 * At most one pending background refresh. The owner calls {@link RefreshTimer.schedule} whenever it adopts
 * a token and {@link RefreshTimer.clear} whenever it drops one, so a pending timer always belongs to the
 * entry that is cached now. The timer is `unref`'d: it never keeps a process alive.
 * @internal Used by `TokenManager`; not part of the public API.
 */
export class RefreshTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Replaces any pending timer with one for `entry`, calling `onFire` once when it is due. Never sooner
   * than {@link MIN_BACKGROUND_REFRESH_MS} after the token arrived, and not at all for a token that is
   * expiring already (`expires_in: 0`, a JWT past its `exp`): renewing it would only fetch another such
   * token, in a loop. Callers then acquire on demand.
   */
  schedule(entry: Entry, onFire: () => void): void {
    this.clear();
    const now = monotonicNow();
    if (entry.refreshAt <= now) return;
    // Half the time the token has left before it starts expiring, at most MAX_LEAD_MS (monotonic ms).
    const lead = Math.min(MAX_LEAD_MS, (entry.refreshAt - now) / 2);
    this.#arm(Math.max(entry.refreshAt - lead, now + MIN_BACKGROUND_REFRESH_MS), onFire);
  }

  /** Cancels the pending timer, if any. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Sets the timer for `at` (monotonic ms), in steps of at most {@link MAX_TIMER_MS}. */
  #arm(at: number, onFire: () => void): void {
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        // A long wait is served in steps: not there yet, wait on.
        if (monotonicNow() < at) return this.#arm(at, onFire);
        onFire();
      },
      Math.min(Math.max(0, at - monotonicNow()), MAX_TIMER_MS),
    );
    this.#timer.unref();
  }
}
