/**
 * Key material from options, read once at construction: a private key (PEM, JWK or `KeyObject`) with its
 * JWS algorithm, an optional certificate naming it, and the client certificate for mutual TLS. A key or
 * certificate that cannot be read, does not match, or has expired is a {@link ConfigError} that never
 * quotes the material.
 * @module
 */
import { createHash, createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { SigningKey } from './client-auth/assertion.js';
import { ConfigError } from './errors.js';

/**
 * A private key as options accept it (`privateKey`, `assertion.privateKey`, `dpop.privateKey`): PEM text
 * or bytes, a `KeyObject`, or a private JWK. The algorithm follows from the key unless an option names it.
 *
 * @example
 * ```ts
 * import { createPrivateKey } from 'node:crypto';
 * import { readFileSync } from 'node:fs';
 * import { TokenManager, type PrivateKeyInput } from 'tokenward';
 *
 * const privateKey: PrivateKeyInput = createPrivateKey(readFileSync('/run/secrets/client-key.pem'));
 * const tm = new TokenManager({ tokenUrl, clientId, privateKey, clientAuth: 'private_key_jwt' });
 * ```
 */
export type PrivateKeyInput = string | Buffer | KeyObject | Readonly<Record<string, unknown>>;

/** JWS algorithms by key type; the first is the default. */
const ALGORITHMS: Readonly<Record<string, readonly string[]>> = {
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'rsa-pss': ['PS256', 'PS384', 'PS512'],
  'ec:prime256v1': ['ES256'],
  'ec:secp384r1': ['ES384'],
  'ec:secp521r1': ['ES512'],
  ed25519: ['EdDSA'],
};

/** HMAC algorithms for `client_secret_jwt`. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/**
 * Reads `privateKey` into a {@link SigningKey}: the algorithm from the key (RSA → RS256, EC P-256 →
 * ES256, P-384 → ES384, Ed25519 → EdDSA) unless `alg` overrides it; `kid` from the option, else the JWK;
 * `x5t` and `x5t#S256` from `certificate` (how Entra ID names a certificate credential).
 */
export function readSigningKey(
  input: PrivateKeyInput,
  options: { alg?: string; keyId?: string; certificate?: string | Buffer; now: number; option?: string; algOption?: string },
): SigningKey {
  // Error messages name the option the key came from (`privateKey`, `assertion.privateKey`, `dpop.privateKey`).
  const option = options.option ?? 'privateKey';
  const key = readPrivateKey(input, option);
  const type = key.asymmetricKeyType === 'ec' ? `ec:${key.asymmetricKeyDetails?.namedCurve}` : String(key.asymmetricKeyType);
  const allowed = ALGORITHMS[type];
  if (allowed === undefined) {
    throw new ConfigError(`option \`${option}\` is a ${type} key, which cannot sign JWTs; use RSA (2048 bits or more), EC P-256/P-384/P-521 or Ed25519`);
  }
  if (type.startsWith('rsa') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new ConfigError(`option \`${option}\` is a ${key.asymmetricKeyDetails?.modulusLength}-bit RSA key; RFC 7518 §3.3 needs 2048 bits or more`);
  }
  const jwk = isJwk(input) ? input : undefined;
  const alg = options.alg ?? (typeof jwk?.alg === 'string' && allowed.includes(jwk.alg) ? jwk.alg : allowed[0]!);
  if (!allowed.includes(alg))
    throw new ConfigError(
      `option \`${options.algOption ?? 'signingAlgorithm'}\` must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} for this ${type} key, got ${JSON.stringify(alg)}`,
    );
  const header: Record<string, string> = {};
  const kid = options.keyId ?? (typeof jwk?.kid === 'string' ? jwk.kid : undefined);
  if (kid !== undefined) header.kid = kid;
  if (options.certificate !== undefined) {
    const cert = readCertificate(options.certificate, 'signingCertificate', options.now);
    if (!cert.checkPrivateKey(key)) throw new ConfigError('option `signingCertificate` does not belong to `privateKey` (their public keys differ)');
    header.x5t = createHash('sha1').update(cert.raw).digest('base64url');
    header['x5t#S256'] = createHash('sha256').update(cert.raw).digest('base64url');
  }
  return { key, alg, header };
}

function isJwk(input: PrivateKeyInput): input is Readonly<Record<string, unknown>> {
  return typeof input === 'object' && !(input instanceof KeyObject) && !Buffer.isBuffer(input);
}

function readPrivateKey(input: PrivateKeyInput, option: string): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== 'private') throw new ConfigError(`option \`${option}\` must be a private KeyObject, got a ${input.type} one`);
    return input;
  }
  try {
    if (isJwk(input)) {
      if (typeof input.d !== 'string') throw new ConfigError(`option \`${option}\` is a JWK without its private part (\`d\`): that is a public key`);
      return createPrivateKey({ key: input as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
    }
    return createPrivateKey(input);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // Node's message ("error:1E08010C:DECODER routines::unsupported") names the failure, never the key.
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(
      `option \`${option}\` could not be read as a private key (PKCS#8 or PKCS#1/SEC1 PEM, JWK or KeyObject; an encrypted PEM must be decrypted into a KeyObject first)${typeof code === 'string' ? `: ${code}` : ''}`,
    );
  }
}

/**
 * Reads a PEM certificate and checks its validity period against `now`: an expired certificate fails
 * at construction rather than at the first token request.
 */
export function readCertificate(pem: string | Buffer, option: string, now: number): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(`option \`${option}\` could not be read as a PEM certificate${typeof code === 'string' ? `: ${code}` : ''}`);
  }
  const notAfter = Date.parse(cert.validTo);
  const notBefore = Date.parse(cert.validFrom);
  if (notAfter <= now)
    throw new ConfigError(`option \`${option}\` expired on ${new Date(notAfter).toISOString()} (subject ${JSON.stringify(cert.subject.replace(/\n/g, ', '))})`);
  if (notBefore > now) throw new ConfigError(`option \`${option}\` is not valid before ${new Date(notBefore).toISOString()}`);
  return cert;
}

/**
 * The certificates of option `tls.ca` as PEM texts, each checked to parse: a truncated or mistyped CA
 * would otherwise surface only as a verification failure at the first request.
 */
function readCaCertificates(ca: string | Buffer | ReadonlyArray<string | Buffer>): string[] {
  const pems: string[] = [];
  for (const item of Array.isArray(ca) ? (ca as ReadonlyArray<string | Buffer>) : [ca as string | Buffer]) {
    const text = typeof item === 'string' ? item : item.toString('latin1');
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    try {
      // PEM blocks, each parsed; a Buffer without PEM armour is DER.
      if (blocks.length > 0) for (const block of blocks) pems.push(new X509Certificate(block).toString());
      else if (Buffer.isBuffer(item)) pems.push(new X509Certificate(item).toString());
      else throw new Error('no certificate block');
    } catch {
      throw new ConfigError('option `tls.ca` could not be read as PEM (or DER) certificates');
    }
  }
  return pems;
}

/**
 * The TLS settings of tokenward's own connections: a client certificate and key for mutual TLS, and/or a
 * private CA. Held so that neither `util.inspect` nor JSON shows the key.
 */
export class TlsCredentials {
  readonly #cert: string | Buffer | undefined;
  readonly #key: string | Buffer | undefined;
  readonly #passphrase: string | undefined;
  readonly #ca: string[] | undefined;
  /** The client certificate, parsed (its SHA-256 thumbprint is what RFC 8705 binds tokens to); `undefined` with only a CA. */
  readonly certificate: X509Certificate | undefined;

  constructor(
    input: {
      cert?: string | Buffer | undefined;
      key?: string | Buffer | undefined;
      passphrase?: string | undefined;
      ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
    },
    now: number,
  ) {
    if ((input.cert === undefined) !== (input.key === undefined)) {
      throw new ConfigError(
        `option \`tls.${input.cert === undefined ? 'cert' : 'key'}\` is missing: a client certificate needs both \`tls.cert\` and \`tls.key\``,
      );
    }
    if (input.cert === undefined && input.ca === undefined)
      throw new ConfigError('option `tls` must give a client certificate (`cert` and `key`), a `ca`, or both');
    if (input.cert === undefined && input.passphrase !== undefined) throw new ConfigError('option `tls.passphrase` is for `tls.key`, which is not set');
    if (input.cert !== undefined && input.key !== undefined) {
      const certificate = readCertificate(input.cert, 'tls.cert', now);
      let key: KeyObject;
      try {
        key = createPrivateKey(input.passphrase === undefined ? input.key : { key: input.key, passphrase: input.passphrase });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new ConfigError(
          `option \`tls.key\` could not be read as a PEM private key${input.passphrase !== undefined ? ' with `tls.passphrase`' : ''}${typeof code === 'string' ? `: ${code}` : ''}`,
        );
      }
      if (!certificate.checkPrivateKey(key)) throw new ConfigError('option `tls.key` does not belong to `tls.cert` (their public keys differ)');
      this.certificate = certificate;
    }
    this.#cert = input.cert;
    this.#key = input.key;
    this.#passphrase = input.passphrase;
    this.#ca = input.ca === undefined ? undefined : readCaCertificates(input.ca);
  }

  /** Options for `tls.connect` (undici's `connect` / `requestTls`). */
  connectOptions(): { cert?: string | Buffer; key?: string | Buffer; passphrase?: string; ca?: string | Buffer | Array<string | Buffer> } {
    return {
      ...(this.#cert !== undefined ? { cert: this.#cert } : {}),
      ...(this.#key !== undefined ? { key: this.#key } : {}),
      ...(this.#passphrase !== undefined ? { passphrase: this.#passphrase } : {}),
      // Node's `ca` replaces its bundled roots; the private CA is meant in addition to them (as with
      // NODE_EXTRA_CA_CERTS), or a tm.fetch to a public API would fail verification.
      ...(this.#ca !== undefined ? { ca: [...rootCertificates, ...this.#ca] } : {}),
    };
  }

  /** `[TlsCredentials subject=…]`: never the key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.certificate === undefined
      ? 'TlsCredentials { ca only }'
      : `TlsCredentials { subject: ${JSON.stringify(this.certificate.subject.replace(/\n/g, ', '))} }`;
  }

  toJSON(): Record<string, string> {
    return this.certificate === undefined ? { ca: 'set' } : { subject: this.certificate.subject };
  }
}
