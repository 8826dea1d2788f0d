/**
 * The bounded set of token slots one manager holds: one per distinct parameter set, least recently
 * used dropped first, so a caller passing ever-new values (an audience per tenant, a subject token per
 * user) cannot grow memory without bound.
 * @module
 */
import { type ParameterDefaults, type ResolvedParameters, resolveParameters, type TokenParameters } from './token-params.js';
import type { TokenSlot } from './token-slot.js';

/** Spellings remembered per slot for the lookup fast path; beyond it lookups still work, just canonicalised. */
const MAX_SPELLINGS = 4_096;

/**
 * Slots by canonical parameters, bounded to `max` (the default slot is never dropped).
 * @internal Used by `TokenManager`; not part of the public API.
 */
export class SlotRegistry {
  readonly #max: number;
  readonly #defaults: ParameterDefaults;
  readonly #create: (parameters: ResolvedParameters) => TokenSlot;
  readonly #onEvict: (slot: TokenSlot) => void;
  readonly #slots = new Map<string, TokenSlot>();
  /**
   * Fast paths for the common call shapes with plain strings: `getToken({ audience })`, `{ scope }` and
   * `{ resource }` each look the caller's own string up in a map of its own (no string built, and a
   * string literal's hash is already cached); other plain-string combinations by a built spelling.
   * All skip validation and canonicalisation. Each holds only slots the registry resolved itself.
   */
  readonly #byAudience = new Map<string, TokenSlot>();
  readonly #byScope = new Map<string, TokenSlot>();
  readonly #byResource = new Map<string, TokenSlot>();
  readonly #bySpelling = new Map<string, TokenSlot>();
  #tick = 0;

  constructor(max: number, defaults: ParameterDefaults, create: (parameters: ResolvedParameters) => TokenSlot, onEvict: (slot: TokenSlot) => void) {
    this.#max = max;
    this.#defaults = defaults;
    this.#create = create;
    this.#onEvict = onEvict;
  }

  /**
   * The slot for `input`, created on first use. `input` carries at least one parameter.
   * @throws {ConfigError} when a parameter is malformed.
   */
  lookup(input: TokenParameters): TokenSlot {
    return this.cached(input) ?? this.#resolve(input);
  }

  /** The slot for `input` if a fast path knows it: plain-string parameters seen before. Never throws. */
  cached(input: TokenParameters): TokenSlot | undefined {
    const cache = this.#fastCache(input);
    if (cache === undefined) return undefined;
    const known = cache.get(cache === this.#bySpelling ? spellingOf(input) : ((input.audience ?? input.scope ?? input.resource) as string));
    if (known === undefined || known.evicted) return undefined;
    // The same slot asked for again and again (the usual case) is already the most recent: no write.
    if (known.lastUsed !== this.#tick) known.lastUsed = ++this.#tick;
    return known;
  }

  #resolve(input: TokenParameters): TokenSlot {
    const slot = this.slotFor(resolveParameters(input, this.#defaults));
    const cache = this.#fastCache(input);
    if (cache !== undefined) {
      if (cache.size >= MAX_SPELLINGS) cache.clear();
      cache.set(cache === this.#bySpelling ? spellingOf(input) : ((input.audience ?? input.scope ?? input.resource) as string), slot);
    }
    return slot;
  }

  /** Which fast-path map `input` belongs to, or `undefined` when it holds anything but plain strings. */
  #fastCache(input: TokenParameters): Map<string, TokenSlot> | undefined {
    const { scope, resource, audience } = input;
    // Anything but scope, resource and audience (params, a subject token) takes the canonical path:
    // these maps would not tell two subject tokens with one audience apart.
    if (
      input.params !== undefined ||
      input.subjectToken !== undefined ||
      input.actorToken !== undefined ||
      input.subjectTokenType !== undefined ||
      input.actorTokenType !== undefined ||
      input.assertion !== undefined
    )
      return undefined;
    if (scope === undefined && resource === undefined) return typeof audience === 'string' ? this.#byAudience : undefined;
    if (audience === undefined && resource === undefined) return typeof scope === 'string' ? this.#byScope : undefined;
    if (audience === undefined && scope === undefined) return typeof resource === 'string' ? this.#byResource : undefined;
    if (
      (scope !== undefined && typeof scope !== 'string') ||
      (resource !== undefined && typeof resource !== 'string') ||
      (audience !== undefined && typeof audience !== 'string')
    )
      return undefined;
    return this.#bySpelling;
  }

  /** Marks `slot` as just used (a view's slot, reached without a lookup) and returns it. */
  touch(slot: TokenSlot): TokenSlot {
    if (slot.lastUsed !== this.#tick) slot.lastUsed = ++this.#tick;
    return slot;
  }

  /** The slot for already resolved parameters, created on first use. */
  slotFor(parameters: ResolvedParameters): TokenSlot {
    let slot = this.#slots.get(parameters.canonical);
    if (slot === undefined) {
      slot = this.#create(parameters);
      this.#slots.set(parameters.canonical, slot);
      if (this.#slots.size > this.#max) this.#evictOne(slot);
    }
    slot.lastUsed = ++this.#tick;
    return slot;
  }

  /** Every slot held now. */
  all(): TokenSlot[] {
    return [...this.#slots.values()];
  }

  /** Drops the least recently used slot other than the default one (canonical `''`) and `keep`. */
  #evictOne(keep: TokenSlot): void {
    let oldest: TokenSlot | undefined;
    for (const slot of this.#slots.values()) {
      if (slot === keep || slot.parameters.canonical === '') continue;
      if (oldest === undefined || slot.lastUsed < oldest.lastUsed) oldest = slot;
    }
    if (oldest === undefined) return;
    this.#slots.delete(oldest.parameters.canonical);
    oldest.evict();
    this.#onEvict(oldest);
  }
}

/** A key for `input` holding two or three plain strings: length-prefixed, so no two distinct inputs share one. */
function spellingOf(input: TokenParameters): string {
  const { scope, resource, audience } = input as { scope?: string; resource?: string; audience?: string };
  return `${scope === undefined ? '-' : `${scope.length}:${scope}`}|${resource === undefined ? '-' : `${resource.length}:${resource}`}|${audience === undefined ? '-' : `${audience.length}:${audience}`}`;
}
