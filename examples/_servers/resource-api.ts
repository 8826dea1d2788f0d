/**
 * A protected API (a resource server) that verifies access tokens with `jose`, for oidc-grants.ts: the
 * provider's JWT access tokens (signature, issuer, `aud` equal to this API's resource indicator, expiry),
 * and for DPoP-bound tokens (`cnf.jkt`) the proof, as RFC 9449 §4.3 and §7.1 say: `typ`, signature by the
 * embedded key, that key's thumbprint equal to `cnf.jkt`, `htm`, `htu` (without query and fragment),
 * `iat` recent, `ath` = base64url(SHA-256(access token)), `jti` never seen before and, when required,
 * the server's current nonce (else a 401 `DPoP error="use_dpop_nonce"` with a `DPoP-Nonce` header).
 * Not an example itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { calculateJwkThumbprint, createLocalJWKSet, EmbeddedJWK, type JWTPayload, jwtVerify } from 'jose';

/** One request as the API saw it. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  /** The DPoP proof's claims (not verified yet when recorded), if one was sent. */
  readonly proof: JWTPayload | undefined;
  readonly status: number;
}

/** Options of {@link ResourceApi}. */
export interface ResourceApiOptions {
  readonly issuer: string;
  readonly jwks: { keys: Array<Record<string, unknown>> };
  /** This API's resource indicator, `<origin>/<name>/`: the `aud` its tokens must carry. */
  readonly resource: string;
  /** Require the current DPoP nonce in proofs. */
  readonly requireNonce: boolean;
}

const PROOF_WINDOW_S = 60;

/** The API: every path under its resource answers `{ sub, client_id, aud, jkt, act }` for a good token. */
export class ResourceApi {
  readonly resource: string;
  readonly requests: ApiRequest[] = [];
  /** The nonce proofs must carry now, and the one before it (still accepted after a soft rotation). */
  nonce = randomBytes(16).toString('base64url');
  #previousNonce: string | undefined;
  readonly #seenJti = new Set<string>();
  readonly #keys: ReturnType<typeof createLocalJWKSet>;
  readonly #o: ResourceApiOptions;

  constructor(options: ResourceApiOptions) {
    this.#o = options;
    this.resource = options.resource;
    this.#keys = createLocalJWKSet(options.jwks as never);
  }

  /**
   * A new nonce. `soft`: the old one stays good once more, and answers announce the new one in a
   * `DPoP-Nonce` header (RFC 9449 §8.2); otherwise a proof with the old one gets `use_dpop_nonce`.
   */
  rotateNonce({ soft = false } = {}): void {
    this.#previousNonce = soft ? this.nonce : undefined;
    this.nonce = randomBytes(16).toString('base64url');
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.resume();
    const path = req.url ?? '/';
    const authorization = req.headers.authorization;
    const proofHeader = req.headers.dpop;
    let proof: JWTPayload | undefined;
    try {
      proof = typeof proofHeader === 'string' ? JSON.parse(Buffer.from(proofHeader.split('.')[1] ?? '', 'base64url').toString('utf8')) : undefined;
    } catch {
      proof = undefined;
    }
    const answer = await this.#verify(req, path, authorization, typeof proofHeader === 'string' ? proofHeader : undefined);
    this.requests.push({ method: req.method ?? 'GET', path, authorization, proof, status: answer.status });
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }

  async #verify(
    req: http.IncomingMessage,
    path: string,
    authorization: string | undefined,
    proof: string | undefined,
  ): Promise<{ status: number; headers?: Record<string, string>; body?: object }> {
    const [scheme = '', token = ''] = (authorization ?? '').split(' ', 2);
    const refuse = (error: string, description: string, extra: Record<string, string> = {}) => ({
      status: 401,
      headers: { 'www-authenticate': `${scheme.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer'} error="${error}", error_description="${description}"`, ...extra },
      body: { error, error_description: description },
    });
    if (token === '') return { status: 401, headers: { 'www-authenticate': 'Bearer, DPoP algs="ES256 ES384 EdDSA RS256 PS256"' } };
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.#keys, { issuer: this.#o.issuer, audience: this.resource, typ: 'at+jwt' }));
    } catch (err) {
      return refuse('invalid_token', `access token rejected: ${(err as Error).message}`);
    }
    const jkt = (claims.cnf as { jkt?: string } | undefined)?.jkt;
    if (jkt === undefined) {
      // RFC 9449 §7.2: an unbound token is sent as Bearer.
      if (scheme.toLowerCase() !== 'bearer') return refuse('invalid_token', 'an unbound token must use the Bearer scheme');
      return { status: 200, body: { sub: claims.sub, client_id: claims.client_id, aud: claims.aud, jkt: null, act: claims.act ?? null } };
    }
    if (scheme.toLowerCase() !== 'dpop') return refuse('invalid_token', 'a DPoP-bound token must use the DPoP scheme');
    if (proof === undefined || req.headers.dpop === undefined || Array.isArray(req.headers.dpop))
      return refuse('invalid_dpop_proof', 'exactly one DPoP proof is required');
    let p: JWTPayload;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] });
      p = verified.payload;
      if ((await calculateJwkThumbprint(verified.protectedHeader.jwk!)) !== jkt) throw new Error('the proof key is not the one the token is bound to');
    } catch (err) {
      return refuse('invalid_dpop_proof', (err as Error).message);
    }
    const host = req.headers.host ?? '';
    const htu = `http://${host}${path.split(/[?#]/)[0]}`;
    const ath = createHash('sha256').update(token).digest('base64url');
    const now = Math.floor(Date.now() / 1000);
    if (p.htm !== req.method) return refuse('invalid_dpop_proof', `htm ${String(p.htm)} is not ${req.method}`);
    if (p.htu !== htu) return refuse('invalid_dpop_proof', `htu ${String(p.htu)} is not ${htu}`);
    if (p.ath !== ath) return refuse('invalid_dpop_proof', 'ath does not match the access token');
    if (typeof p.iat !== 'number' || Math.abs(now - p.iat) > PROOF_WINDOW_S) return refuse('invalid_dpop_proof', 'iat is not recent');
    if (typeof p.jti !== 'string' || this.#seenJti.has(p.jti)) return refuse('invalid_dpop_proof', 'jti replayed');
    if (this.#o.requireNonce && p.nonce !== this.nonce && (this.#previousNonce === undefined || p.nonce !== this.#previousNonce)) {
      return refuse('use_dpop_nonce', 'a fresh nonce is required', { 'dpop-nonce': this.nonce });
    }
    this.#seenJti.add(p.jti);
    const announce: Record<string, string> = this.#o.requireNonce && p.nonce !== this.nonce ? { 'dpop-nonce': this.nonce } : {};
    if (p.nonce === this.#previousNonce) this.#previousNonce = undefined;
    return { status: 200, headers: announce, body: { sub: claims.sub, client_id: claims.client_id, aud: claims.aud, jkt, act: claims.act ?? null } };
  }
}
