/**
 * The bounded set of token slots one manager holds: one per distinct parameter set, least recently
 * used dropped first, so a caller passing ever-new values (an audience per tenant, a subject token per
 * user) cannot grow memory without bound.
 * @module
 */
import { resolveParameters, type ParameterDefaults, type ResolvedParameters, type TokenParameters } from './token-params.js';
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
   * Fast path for the common call shape `getToken({ audience })` / `{ scope: 'a b' }` / `{ resource }`
   * with plain strings: the spelling as given → its slot, skipping validation and canonicalisation.
   */
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
    const spelling = spellingOf(input);
    if (spelling !== undefined) {
      const known = this.#bySpelling.get(spelling);
      if (known !== undefined && !known.evicted) {
        known.lastUsed = ++this.#tick;
        return known;
      }
    }
    const slot = this.slotFor(resolveParameters(input, this.#defaults));
    if (spelling !== undefined) {
      if (this.#bySpelling.size >= MAX_SPELLINGS) this.#bySpelling.clear();
      this.#bySpelling.set(spelling, slot);
    }
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

/** A cheap key for `input` when it only holds plain strings, else `undefined` (then it is canonicalised). */
function spellingOf(input: TokenParameters): string | undefined {
  const { scope, resource, audience, params } = input;
  if (params !== undefined) return undefined;
  if ((scope !== undefined && typeof scope !== 'string') || (resource !== undefined && typeof resource !== 'string') || (audience !== undefined && typeof audience !== 'string')) return undefined;
  // Length-prefixed, so no two distinct inputs share a spelling whatever characters they hold.
  return `${scope === undefined ? '-' : `${scope.length}:${scope}`}|${resource === undefined ? '-' : `${resource.length}:${resource}`}|${audience === undefined ? '-' : `${audience.length}:${audience}`}`;
}
