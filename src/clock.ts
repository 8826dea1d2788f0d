/**
 * The clocks tokenward reads. Deadlines (when a token starts expiring, when it is dead, when the store
 * is re-read) live on the monotonic clock, so a wall clock stepped by NTP or by hand neither keeps an
 * expired token in use nor renews a good one. Users see epoch milliseconds (`Token.expiresAt`), read
 * off the wall clock when the answer arrived.
 * @module
 */

/** Monotonic milliseconds (`performance.now()`): only ever moves forwards, at the rate time passes. */
export function monotonicNow(): number {
  return performance.now();
}

/** A reading of both clocks at one moment, for converting an epoch instant to a monotonic deadline. */
export interface ClockReading {
  /** `performance.now()` */
  readonly mono: number;
  /** `Date.now()` */
  readonly wall: number;
}

/** Reads both clocks. */
export function readClock(): ClockReading {
  return { mono: performance.now(), wall: Date.now() };
}

/** The monotonic instant of `epochMs`, as seen from `at` (the wall-clock distance, carried over). */
export function toMonotonic(epochMs: number, at: ClockReading): number {
  return at.mono + (epochMs - at.wall);
}
