/**
 * How `tm.fetch`'s siblings (the undici interceptor) reach a manager's or a view's token without public
 * internal methods: each owner registers an access point here, keyed by the object itself.
 * @module
 */
import type { DpopApi } from './dpop-api.js';
import { ConfigError } from './errors.js';
import type { SlotAccess } from './token-slot.js';

/** What the interceptor needs from a manager or a view. */
export interface AccessPoint {
  /** Origins that may receive the token. */
  readonly allowedOrigins: ReadonlySet<string>;
  /** The slot requests go to now. */
  slot(): SlotAccess;
  /** DPoP proofs for API calls, when the manager's `dpop` option is on. */
  readonly dpop?: DpopApi | undefined;
}

const points = new WeakMap<object, AccessPoint>();

/** Registers `owner`'s access point (its constructor calls this). @internal */
export function registerAccessPoint(owner: object, point: AccessPoint): void {
  points.set(owner, point);
}

/**
 * The access point of a `TokenManager` or `TokenView`.
 * @throws {ConfigError} for anything else (including a manager from another copy of tokenward, as when
 * an app loads both its ESM and its CJS build: use one).
 * @internal
 */
export function accessPointOf(owner: unknown): AccessPoint {
  const point = typeof owner === 'object' && owner !== null ? points.get(owner) : undefined;
  if (point === undefined) {
    throw new ConfigError(
      'authInterceptor() needs a TokenManager or a view from tm.for(...) created by this copy of tokenward (an app that loads both the ESM and the CommonJS build has two copies)',
    );
  }
  return point;
}
