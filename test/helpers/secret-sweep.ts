/**
 * The secret sweep (issue 9 §2.5): every secret the suite hands to tokenward or gets from it is registered,
 * everything tokenward says (errors, event payloads, diagnostics messages, `util.inspect` / `JSON.stringify`
 * of managers, stores and errors) is collected, and {@link SecretSweep.check} reports any secret found in
 * anything collected. test/setup/secret-sweep.ts wires it into every test file; this module holds the
 * bookkeeping only, so the sweep itself can be tested (test/secret-sweep.test.ts).
 */
import { inspect } from 'node:util';

/** One secret found where it must not be. */
export interface Finding {
  /** What the secret is (`access token`, `client secret`, ...). */
  readonly secret: string;
  /** Where it was found (`'error' event payload`, `diagnostics_channel tokenward:retry`, ...). */
  readonly where: string;
  /** The text around it, with the secret itself masked, so the report does not leak it again. */
  readonly context: string;
}

/** Shorter values are not looked for: `pw` or `x1` would match everywhere. */
const MIN_SECRET_LENGTH = 4;
/** Characters that continue a token: a secret must not be found inside a longer word (`at-1` in `at-12`). */
const WORD = /[A-Za-z0-9_-]/;
/** A secret that is one word, and the words of a text. */
const WHOLE_WORD = /^[A-Za-z0-9_-]+$/;
const WORDS = /[A-Za-z0-9_-]+/g;

/** Collects secrets and what tokenward said, and finds the one in the other. */
export class SecretSweep {
  readonly #secrets = new Map<string, string>();
  /** Rendered text → where it came from (the first place), deduplicated. */
  readonly #texts = new Map<string, string>();
  readonly #seen = new WeakSet<object>();
  readonly #public = new Set<string>();
  /** Words tokenward itself uses ("password", "Bearer"): never secrets, whatever a test calls its values. */
  readonly #vocabulary: string;
  #paused = false;

  /** `vocabulary`: text whose words are not secrets even when a test uses them as one (the library's source). */
  constructor(vocabulary = '') {
    this.#vocabulary = vocabulary;
  }

  /** Stops registering and collecting (a heap-measuring soak must not see the sweep's own growth). */
  pause(): void {
    this.#paused = true;
  }

  /** Registers and collects again. */
  resume(): void {
    this.#paused = false;
  }

  /** Makes `value` a known secret, described by `label`. Non-strings, short strings and library words are ignored. */
  register(value: unknown, label: string): void {
    if (this.#paused || typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.#secrets.has(value)) return;
    // Mostly spaces or punctuation (a property test's generated secret): it would match in any text.
    if ((value.match(/[\p{L}\p{N}]/gu)?.length ?? 0) < 3) return;
    if (findWord(this.#vocabulary, value) >= 0) return;
    this.#secrets.set(value, label);
    // The spellings a secret takes on its way into a message: form-encoded, URI-encoded, JSON-escaped.
    for (const spelling of [new URLSearchParams({ v: value }).toString().slice(2), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) {
      if (spelling !== value && !this.#secrets.has(spelling)) this.#secrets.set(spelling, `${label} (encoded)`);
    }
  }

  /**
   * Declares `value` public: tokenward shows it by design (a token's type and scope are in every `token`
   * event). A test value that is both (the ASP.NET help page's "sample string 6" for the password and the
   * token type alike) cannot leak, so it is not looked for.
   */
  allow(value: unknown): void {
    if (typeof value === 'string') this.#public.add(value);
  }

  /** Whether `value` is a registered secret. */
  isSecret(value: string): boolean {
    return this.#secrets.has(value) && !this.#public.has(value);
  }

  /** Collects every way `value` can be looked at (see {@link renderings}), once per object. */
  collect(value: unknown, where: string): void {
    if (this.#paused || value === undefined || value === null) return;
    if (typeof value === 'object' || typeof value === 'function') {
      if (this.#seen.has(value)) return;
      this.#seen.add(value);
    }
    for (const text of renderings(value)) if (!this.#texts.has(text)) this.#texts.set(text, where);
  }

  /**
   * Every registered secret found in anything collected: one finding per secret and place. A secret made
   * of word characters only (most tokens) is looked up among each text's words, so thousands of tokens
   * against thousands of texts stay fast; any other secret is searched for in each text.
   */
  check(): Finding[] {
    const findings = new Map<string, Finding>();
    const plain = new Map<string, string>();
    const other: Array<[string, string]> = [];
    for (const [secret, label] of this.#secrets) {
      if (this.#public.has(secret)) continue;
      if (WHOLE_WORD.test(secret)) plain.set(secret, label);
      else other.push([secret, label]);
    }
    const found = (text: string, where: string, secret: string, label: string, at: number) => {
      const key = `${where}\u0000${secret}`;
      // SECRET_SWEEP_SHOW=1 names the secret itself, to tell a real leak from a test value that is a common word.
      const what = process.env.SECRET_SWEEP_SHOW ? `${label} ${JSON.stringify(secret)}` : label;
      if (!findings.has(key)) findings.set(key, { secret: what, where, context: maskedContext(text, at, secret.length) });
    };
    for (const [text, where] of this.#texts) {
      for (const match of text.matchAll(WORDS)) {
        const label = plain.get(match[0]);
        if (label !== undefined) found(text, where, match[0], label, match.index);
      }
      for (const [secret, label] of other) {
        const at = findWord(text, secret);
        if (at >= 0) found(text, where, secret, label, at);
      }
    }
    return [...findings.values()];
  }

  /** Forgets everything collected whose place starts with `where` (a test that leaked on purpose). */
  discard(where: string): void {
    for (const [text, from] of this.#texts) if (from.startsWith(where)) this.#texts.delete(text);
  }

  /** Forgets everything: secrets and collected text. */
  reset(): void {
    this.#secrets.clear();
    this.#public.clear();
    this.#texts.clear();
  }

  /** How much has been collected (for the report line). */
  get size(): { secrets: number; texts: number } {
    return { secrets: this.#secrets.size, texts: this.#texts.size };
  }
}

/** Where `needle` occurs in `text` as a whole word (not inside a longer token), or -1. */
function findWord(text: string, needle: string): number {
  let from = 0;
  for (;;) {
    const at = text.indexOf(needle, from);
    if (at < 0) return -1;
    const before = text[at - 1];
    const after = text[at + needle.length];
    const startsWord = WORD.test(needle[0]!);
    const endsWord = WORD.test(needle[needle.length - 1]!);
    if ((!startsWord || before === undefined || !WORD.test(before)) && (!endsWord || after === undefined || !WORD.test(after))) return at;
    from = at + 1;
  }
}

function maskedContext(text: string, at: number, length: number): string {
  const start = Math.max(0, at - 60);
  const end = Math.min(text.length, at + length + 60);
  return `${text.slice(start, at)}[SECRET]${text.slice(at + length, end)}`.replace(/\s+/g, ' ');
}

/**
 * Every way a user or a logger looks at `value`: `String()`, `util.inspect`, `JSON.stringify`, and for an
 * error also its message, stack and each string field, down its `cause` and `attempts` chain.
 */
export function renderings(value: unknown, seen = new Set<unknown>()): string[] {
  if (value === undefined || value === null || seen.has(value)) return [];
  seen.add(value);
  if (typeof value === 'string') return [value];
  const out: string[] = [inspect(value, { depth: 8, breakLength: Infinity })];
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) out.push(json);
  } catch {
    // Circular or a BigInt: inspect above still shows it.
  }
  if (value instanceof Error) {
    out.push(String(value), value.stack ?? '');
    for (const field of Object.values(value)) if (typeof field === 'string') out.push(field);
    out.push(...renderings(value.cause, seen));
    const attempts = (value as { attempts?: unknown }).attempts;
    if (Array.isArray(attempts)) for (const a of attempts) out.push(...renderings(a, seen));
  } else if (typeof value === 'object') {
    // Event payloads hold errors (`retry`, `refresh-fallback`): look at those the way errors are looked at.
    for (const field of Object.values(value as object)) if (field instanceof Error) out.push(...renderings(field, seen));
  }
  return out.filter((t) => t !== '');
}

/**
 * Secrets visible in an outgoing HTTP request: the credential of `Authorization` / `Proxy-Authorization`
 * (for Basic, the decoded secret half and the base64 pair) and the secret fields of a form or JSON body.
 */
export function secretsOnTheWire(headers: ReadonlyArray<string | Buffer>, body?: string): Array<[value: string, label: string]> {
  const found: Array<[string, string]> = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = String(headers[i]).toLowerCase();
    if (name !== 'authorization' && name !== 'proxy-authorization') continue;
    const [scheme, credential] = splitOnce(String(headers[i + 1]), ' ');
    if (credential === undefined) continue;
    if (scheme.toLowerCase() === 'basic') {
      found.push([credential, 'Basic credentials']);
      const [, secret] = splitOnce(Buffer.from(credential, 'base64').toString('utf8'), ':');
      if (secret !== undefined) found.push([secret, 'client secret (Basic)'], [formDecode(secret), 'client secret (Basic)']);
    } else {
      found.push([credential, `${scheme} token sent`]);
    }
  }
  if (body !== undefined && body !== '') {
    for (const [field, value] of bodyFields(body)) {
      if (SECRET_FIELDS.has(field)) found.push([value, `${field} sent`]);
    }
  }
  return found;
}

/** Request body fields that carry a secret. */
const SECRET_FIELDS = new Set([
  'client_secret',
  'password',
  'refresh_token',
  'access_token',
  'token',
  'assertion',
  'client_assertion',
  'subject_token',
  'actor_token',
]);

function bodyFields(body: string): Array<[string, string]> {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      return Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string');
    } catch {
      return [];
    }
  }
  return [...new URLSearchParams(trimmed)];
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const KEY = Symbol.for('tokenward.test.secretSweep');

/** The sweep of the running test file, shared by the setup module and any test that talks to it. */
export function currentSweep(): SecretSweep {
  const holder = globalThis as { [KEY]?: SecretSweep };
  holder[KEY] ??= new SecretSweep();
  return holder[KEY];
}

/** Installs `sweep` as the running test file's sweep. */
export function installSweep(sweep: SecretSweep): void {
  (globalThis as { [KEY]?: SecretSweep })[KEY] = sweep;
}

/** The findings as a report a developer can act on (secrets masked). */
export function formatFindings(findings: readonly Finding[]): string {
  const lines = findings.slice(0, 20).map((f) => `  - ${f.secret} in ${f.where}: …${f.context}…`);
  const more = findings.length > 20 ? `\n  (and ${findings.length - 20} more)` : '';
  return `secret sweep: ${findings.length} secret(s) found where tokenward must not put them:\n${lines.join('\n')}${more}`;
}
