/**
 * DPoP (RFC 9449): the key a manager proves possession of, and the proofs it signs with it. A token
 * the server bound to this key (`cnf.jkt`, its thumbprint) is useless with any other key, so a fleet
 * sharing tokens shares the key too (`dpop: { privateKey }`), and the key's thumbprint is part of the
 * manager's cache key.
 *
 * Proofs are signed with node:crypto, synchronously: one signature per API call (tens of microseconds
 * for ES256), with no promise and no lazy module load on the request path, which lets the undici
 * interceptor attach a proof without going async. The JWS is three fixed steps (a precomputed header,
 * the claims, the signature in JOSE form: raw r||s for ECDSA), checked against jose and oidc-provider's
 * verifiers in the tests.
 * @module
 */
import { constants, createHash, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID, type SignKeyObjectInput, sign } from 'node:crypto';
import { inspect } from 'node:util';
import { type PrivateKeyInput, readSigningKey } from './credentials.js';

/**
 * The `dpop` option (RFC 9449): `true` for a key generated per manager, or the key a fleet shares.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { TokenManager, type DpopOption } from 'tokenward';
 *
 * // Every instance of the fleet proves possession with the same key, so a token in a shared store works for all.
 * const dpop: DpopOption = { privateKey: readFileSync('/run/secrets/dpop-key.pem') };
 * const tm = new TokenManager({ tokenUrl, clientId, clientSecret, dpop });
 * ```
 */
export type DpopOption =
  | boolean
  | {
      /** The proof key: PEM, a `KeyObject` or a private JWK (EC, RSA of 2048 bits or more, or Ed25519). A secret. */
      privateKey: PrivateKeyInput;
    };

/** The digest of each JWS algorithm a DPoP key may sign with (`null`: EdDSA hashes internally). */
const DIGEST: Readonly<Record<string, string | null>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
};

/** RFC 7638 §3.2: the members of a public JWK that its thumbprint covers, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], OKP: ['crv', 'kty', 'x'] };

/**
 * A DPoP proof key. The private key is held in a private field: neither `util.inspect` nor
 * `JSON.stringify` shows more than the algorithm and the thumbprint.
 */
export class DpopKey {
  /** The JWS algorithm of proofs (`ES256` for a generated key). */
  readonly alg: string;
  /** The RFC 7638 JWK SHA-256 thumbprint of the public key, base64url: a bound token's `cnf.jkt`. */
  readonly jkt: string;
  readonly #signing: SignKeyObjectInput | KeyObject;
  readonly #digest: string | null;
  /** The protected header, base64url: `{"typ":"dpop+jwt","alg":…,"jwk":{public key}}`, the same for every proof. */
  readonly #header: string;

  private constructor(key: KeyObject, alg: string) {
    this.alg = alg;
    this.#digest = DIGEST[alg] ?? null;
    // JOSE wants ECDSA signatures as raw r||s (RFC 7518 §3.4), RSASSA-PSS with a salt as long as the digest.
    this.#signing = alg.startsWith('ES')
      ? { key, dsaEncoding: 'ieee-p1363' }
      : alg.startsWith('PS')
        ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : key;
    const jwk = createPublicKey(key).export({ format: 'jwk' }) as Record<string, string>;
    const members = THUMBPRINT_MEMBERS[jwk.kty!] ?? [];
    const publicJwk = Object.fromEntries(members.map((m) => [m, jwk[m]]));
    this.jkt = createHash('sha256').update(JSON.stringify(publicJwk)).digest('base64url');
    this.#header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg, jwk: publicJwk })).toString('base64url');
  }

  /** A new EC P-256 key (ES256), the algorithm every DPoP server accepts. */
  static generate(): DpopKey {
    return new DpopKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256');
  }

  /**
   * A key from the `dpop.privateKey` option: PEM, JWK or `KeyObject`; the algorithm from the key
   * (EC P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA, RSA → RS256 or the JWK's `alg`).
   * @throws {ConfigError} naming `dpop.privateKey`, never quoting the key.
   */
  static read(input: PrivateKeyInput): DpopKey {
    const { key, alg } = readSigningKey(input, { now: Date.now(), option: 'dpop.privateKey' });
    return new DpopKey(key, alg);
  }

  /**
   * A proof for one request (RFC 9449 §4.2): `htm` and `htu` (without query and fragment: the caller
   * strips them), `iat` now, a random `jti`, and `nonce` and `ath` when given.
   */
  proof(htm: string, htu: string, nonce: string | undefined, ath: string | undefined): string {
    const claims = { jti: randomUUID(), htm, htu, iat: Math.floor(Date.now() / 1000), nonce, ath };
    const input = `${this.#header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${sign(this.#digest, Buffer.from(input), this.#signing).toString('base64url')}`;
  }

  [inspect.custom](): string {
    return `DpopKey { alg: ${JSON.stringify(this.alg)}, jkt: ${JSON.stringify(this.jkt)} }`;
  }

  toJSON(): { alg: string; jkt: string } {
    return { alg: this.alg, jkt: this.jkt };
  }
}

/** The `dpop` option as a key, or `undefined` when DPoP is off. */
export function resolveDpop(option: DpopOption | undefined): DpopKey | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? DpopKey.generate() : DpopKey.read(option.privateKey);
}

/** `ath` (RFC 9449 §4.2): base64url(SHA-256(access token)). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/** A request URL as `htu`: without query and fragment (RFC 9449 §4.3). */
export function htuOf(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

/**
 * An HTTP method as it goes on the wire, which is what `htm` must equal: fetch upper-cases the six
 * standard methods whatever their case and sends any other as given.
 */
export function wireMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  const upper = method.toUpperCase();
  return upper === 'GET' || upper === 'POST' || upper === 'PUT' || upper === 'DELETE' || upper === 'HEAD' || upper === 'OPTIONS' ? upper : method;
}
