/**
 * The options for enterprise identity providers: discovery (`issuer`), key-based and mutual-TLS client
 * authentication, and proxies; their types, and their checks beyond the shape check in `options-schema.ts`.
 * @module
 */
import type { KeyObject } from 'node:crypto';
import type { SigningKey } from './client-auth/assertion.js';
import type { WireClientAuth } from './client-auth/strategy.js';
import { HMAC_ALGORITHMS, type PrivateKeyInput, readSigningKey, TlsCredentials } from './credentials.js';
import { ConfigError } from './errors.js';
import { JWT_BEARER_GRANT } from './options-grants.js';

/**
 * TLS settings for tokenward's own connections (token endpoint, discovery, logoff, `tm.fetch`): a client
 * certificate for mutual TLS (RFC 8705, `cert` and `key` together), a private CA to trust (`ca`), or both.
 * `{ ca }` alone is how to trust an identity provider or API whose certificate a corporate or
 * self-signed CA issued, while proxies from the environment keep applying (a `dispatcher` of your own
 * would replace them). PEM throughout.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { TokenManager, type TlsOptions } from 'tokenward';
 *
 * // A bank's FAPI authorization server: the certificate authenticates the client (tls_client_auth)
 * // and the tokens are bound to it; tm.fetch presents it to the API too.
 * const tls: TlsOptions = {
 *   cert: readFileSync('/etc/payments/client.crt'),
 *   key: readFileSync('/etc/payments/client.key'),
 *   ca: readFileSync('/etc/payments/bank-ca.crt'), // the bank's private CA
 * };
 * const payments = new TokenManager({ issuer: 'https://as.bank.example', clientId: 'payments-service', tls, baseUrl: 'https://api.bank.example' });
 * const accounts = await payments.fetch('/accounts');
 * ```
 */
export interface TlsOptions {
  /** The client certificate (PEM), or a chain: leaf first. Given with `key`. */
  cert?: string | Buffer;
  /** Its private key (PEM). A secret: never logged, never in an error or inspect output. Given with `cert`. */
  key?: string | Buffer;
  /** The key's passphrase, when it is encrypted. */
  passphrase?: string;
  /** CA certificates to trust for the servers (a private CA), PEM or DER, in addition to Node's bundled roots. @default Node's bundled roots only */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

/** Options for enterprise identity providers; part of {@link TokenManagerOptions}. */
export interface EnterpriseOptions {
  /**
   * The authorization server's issuer identifier (`https://idp.example.com/realms/acme`), instead of
   * `tokenUrl`: its metadata (OpenID Connect discovery, then RFC 8414) gives the token and revocation
   * endpoints, the supported client-authentication methods and mTLS aliases. Compared with the metadata's
   * `issuer` exactly, character for character (mix-up defence): write it as your provider does.
   */
  issuer?: string | URL;
  /**
   * The private key for `private_key_jwt`: PEM (PKCS#8, or PKCS#1/SEC1), a JWK object, or a `KeyObject`.
   * RSA (2048 bits or more), EC P-256/P-384/P-521 or Ed25519. A secret: never logged or shown.
   */
  privateKey?: string | Buffer | KeyObject | Readonly<Record<string, unknown>>;
  /** The `kid` header of signed assertions. @default the JWK's `kid`, else none */
  keyId?: string;
  /** The JWS algorithm of assertions. @default from the key (RS256, ES256, ES384, EdDSA), HS256 for client_secret_jwt */
  signingAlgorithm?: 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'HS256' | 'HS384' | 'HS512';
  /** The certificate (PEM) of `privateKey`: its thumbprints go in the header as `x5t` and `x5t#S256` (Entra ID's certificate credentials). */
  signingCertificate?: string | Buffer;
  /** The `aud` of signed assertions. @default the issuer when known, else the token endpoint */
  assertionAudience?: string;
  /** Seconds a signed assertion is valid (`exp` - `iat`); a new one is signed for every request. @default 60 */
  assertionLifetime?: number;
  /**
   * An assertion made elsewhere, for `private_key_jwt` with a key you do not hold: a Kubernetes projected
   * service-account token (`() => readFile(path, 'utf8')`), workload identity, a KMS signer. Called for
   * every request, so a rotated file is picked up. Its result is a secret.
   */
  clientAssertion?: () => string | Promise<string>;
  /**
   * A client certificate for mutual TLS (RFC 8705): `tls_client_auth` / `self_signed_tls_client_auth`,
   * and certificate-bound tokens, since `tm.fetch` presents the same certificate; and/or `ca`, a private
   * CA to trust. Not together with `fetch` or `dispatcher`.
   */
  tls?: TlsOptions;
  /**
   * The proxy for tokenward's requests (token, discovery, logoff, `tm.fetch`): a URL (`http://proxy:3128`,
   * user info allowed and kept secret), or `false` for none. HTTPS targets go through a CONNECT tunnel.
   * @default from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (either case), else none
   */
  proxy?: string | URL | false;
}

/** The proxy setting after validation. */
export type ProxySetting = { readonly kind: 'env' } | { readonly kind: 'url'; readonly url: URL } | { readonly kind: 'none' };

/** Enterprise options after validation. */
export interface ResolvedEnterprise {
  /** The issuer identifier exactly as configured, or `undefined` with `tokenUrl`. */
  issuer: string | undefined;
  /** The key that signs `private_key_jwt` assertions. */
  signingKey: SigningKey | undefined;
  /** The HMAC algorithm of `client_secret_jwt`. */
  hmacAlgorithm: string;
  assertionAudience: string | undefined;
  assertionLifetime: number;
  clientAssertion: (() => string | Promise<string>) | undefined;
  tls: TlsCredentials | undefined;
  proxy: ProxySetting;
}

/** What {@link resolveEnterprise} reads: the parsed options. */
interface Parsed {
  tokenUrl?: URL | undefined;
  issuer?: URL | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  privateKey?: unknown;
  keyId?: string | undefined;
  signingAlgorithm?: string | undefined;
  signingCertificate?: string | Buffer | undefined;
  assertionAudience?: string | undefined;
  assertionLifetime?: number | undefined;
  clientAssertion?: unknown;
  tls?: TlsOptions | undefined;
  proxy?: URL | false | undefined;
  fetch?: unknown;
  dispatcher?: unknown;
  grant?: unknown;
}

/** Checks the enterprise options against each other and `clientAuth`, and reads their key material. */
export function resolveEnterprise(
  o: Parsed,
  rawIssuer: string | URL | undefined,
  clientAuth: 'auto' | WireClientAuth,
  defaultLifetime: number,
): ResolvedEnterprise {
  if ((o.tokenUrl === undefined) === (o.issuer === undefined)) {
    throw new ConfigError(
      o.tokenUrl === undefined
        ? 'option `tokenUrl` or `issuer` is required'
        : 'options `tokenUrl` and `issuer` cannot be used together: give the issuer (discovery finds the token endpoint) or the token endpoint',
    );
  }
  let issuer: string | undefined;
  if (o.issuer !== undefined) {
    if (o.issuer.search !== '' || o.issuer.hash !== '')
      throw new ConfigError(`option \`issuer\` must have no query or fragment (RFC 8414 §2), got ${JSON.stringify(`${o.issuer.origin}${o.issuer.pathname}…`)}`);
    issuer = typeof rawIssuer === 'string' ? rawIssuer : o.issuer.href;
  }
  // tokenward's own transport is what these configure; a caller's fetch or dispatcher would ignore them.
  for (const name of ['tls', 'proxy'] as const) {
    if (o[name] === undefined || (name === 'proxy' && o.proxy === false)) continue;
    if (o.fetch !== undefined)
      throw new ConfigError(
        `options \`fetch\` and \`${name}\` cannot be used together: \`${name}\` configures tokenward's own transport, which \`fetch\` replaces (configure your fetch instead)`,
      );
    if (o.dispatcher !== undefined) throw new ConfigError(`options \`dispatcher\` and \`${name}\` cannot be used together: configure your dispatcher instead`);
  }
  if (o.privateKey !== undefined && o.clientAssertion !== undefined)
    throw new ConfigError('options `privateKey` and `clientAssertion` cannot be used together: one makes the assertion');
  const now = Date.now();
  const signs = o.privateKey !== undefined;
  if (signs && o.clientId === undefined) throw new ConfigError("option `privateKey` is set, which needs `clientId` (the assertion's iss and sub)");
  const hmac = o.signingAlgorithm !== undefined && (HMAC_ALGORITHMS as readonly string[]).includes(o.signingAlgorithm);
  if (hmac && clientAuth !== 'client_secret_jwt')
    throw new ConfigError(
      `option \`signingAlgorithm\` is ${JSON.stringify(o.signingAlgorithm)}, an HMAC algorithm, which only \`clientAuth: 'client_secret_jwt'\` uses`,
    );
  const signingKey = signs
    ? readSigningKey(o.privateKey as PrivateKeyInput, {
        ...(o.signingAlgorithm !== undefined ? { alg: o.signingAlgorithm } : {}),
        ...(o.keyId !== undefined ? { keyId: o.keyId } : {}),
        ...(o.signingCertificate !== undefined ? { certificate: o.signingCertificate } : {}),
        now,
      })
    : undefined;
  if (o.signingCertificate !== undefined && !signs)
    throw new ConfigError('option `signingCertificate` names the certificate of `privateKey`, which is not set');
  const tls = o.tls === undefined ? undefined : new TlsCredentials(o.tls, now);
  requireFor(clientAuth, o, signs, tls?.certificate !== undefined);
  return {
    issuer,
    signingKey,
    hmacAlgorithm: hmac ? o.signingAlgorithm! : 'HS256',
    assertionAudience: o.assertionAudience,
    assertionLifetime: o.assertionLifetime ?? defaultLifetime,
    clientAssertion: o.clientAssertion as ResolvedEnterprise['clientAssertion'],
    tls,
    proxy: o.proxy === false ? { kind: 'none' } : o.proxy !== undefined ? { kind: 'url', url: o.proxy } : { kind: 'env' },
  };
}

/** What each explicit `clientAuth` needs. */
function requireFor(clientAuth: 'auto' | WireClientAuth, o: Parsed, signs: boolean, hasTls: boolean): void {
  const needs = (what: string) => new ConfigError(`option \`clientAuth\` is "${clientAuth}", which needs ${what}`);
  if (clientAuth === 'auto') return;
  // The JWT-bearer grant's assertion may be the only credential (RFC 7523 §3.1: client authentication
  // is optional; Google's service accounts send grant_type and assertion alone).
  const assertionAlone = clientAuth === 'none' && (o.grant === 'jwt_bearer' || o.grant === JWT_BEARER_GRANT);
  if (o.clientId === undefined && clientAuth !== 'private_key_jwt' && !assertionAlone) throw needs('`clientId`');
  if (clientAuth === 'private_key_jwt' && !signs && o.clientAssertion === undefined) throw needs('`privateKey` or `clientAssertion`');
  if (clientAuth === 'client_secret_jwt' && o.clientSecret === undefined) throw needs('`clientSecret` (the HMAC key)');
  if ((clientAuth === 'tls_client_auth' || clientAuth === 'self_signed_tls_client_auth') && !hasTls)
    throw needs('`tls.cert` and `tls.key` (the client certificate)');
}
