/**
 * oidc-provider (panva, OpenID Certified) set up as an enterprise identity provider, for tokenward's
 * enterprise tests and examples: not an example itself.
 *
 * Two listeners on 127.0.0.1 ephemeral ports serve the same provider:
 * - `issuer`: plain http, optionally under a path (`/realms/acme`, mounted as Keycloak's are), with its
 *   discovery document (OpenID Connect, or RFC 8414 only, or tampered with for error tests);
 * - `mtlsOrigin`: https asking for a client certificate (RFC 8705), published as the
 *   `mtls_endpoint_aliases`, and serving a protected `/api/me` that checks a certificate-bound token's
 *   `x5t#S256` against the certificate the caller presents.
 *
 * The provider does client authentication itself (private_key_jwt, client_secret_jwt, tls_client_auth,
 * self_signed_tls_client_auth, client_secret_basic); the setup only tells it where the TLS client
 * certificate is (`features.mTLS.getCertificate`), as a deployment behind a TLS terminator would.
 */
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
// @ts-expect-error oidc-provider ships no type declarations (and @types/oidc-provider is not installed).
import ProviderImpl from 'oidc-provider';

/** One request as a listener saw it. */
export interface SeenRequest {
  readonly listener: 'plain' | 'mtls';
  readonly method: string;
  readonly path: string;
  /** The subject of the client certificate presented, if any. */
  readonly certificate: string | undefined;
  readonly body: string;
}

/** Options of {@link startEnterpriseIdp}. */
export interface EnterpriseIdpOptions {
  /** oidc-provider client metadata (`client_id`, `token_endpoint_auth_method`, `jwks`, ...). */
  clients: Array<Record<string, unknown>>;
  /** The https listener's certificate and key, and the CA that issues client certificates. Without it, no mTLS listener. */
  tls?: { cert: string; key: string; ca: string };
  /** A path for the issuer (`/realms/acme`). @default none */
  path?: string;
  /** Which discovery document is served. @default 'oidc' */
  discovery?: 'oidc' | 'rfc8414';
  /** Rewrites the discovery document (error tests: wrong issuer, no token endpoint). */
  tamper?: (doc: Record<string, unknown>) => Record<string, unknown>;
  /** Access-token lifetime, seconds. @default 300 */
  ttlSeconds?: number;
}

/** A running provider. */
export interface EnterpriseIdp {
  readonly issuer: string;
  /** The mTLS listener's origin (`https://127.0.0.1:port`), when `tls` was given. */
  readonly mtlsOrigin: string;
  /** The protected API: on the mTLS listener when there is one, else on the plain one. */
  readonly apiUrl: string;
  readonly requests: SeenRequest[];
  /** An access token as oidc-provider holds it (client_credentials or user token), or `undefined` when unknown, expired or revoked. */
  findToken(value: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

type Model = { find(value: string): Promise<Record<string, unknown> | undefined> };
const Provider = ProviderImpl as new (
  issuer: string,
  configuration: Record<string, unknown>,
) => {
  callback(): http.RequestListener;
  AccessToken: Model;
  ClientCredentials: Model;
};

/** The SHA-256 thumbprint RFC 8705 binds tokens to, base64url. */
export function certificateThumbprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

/** Starts both listeners and the provider. */
export async function startEnterpriseIdp(options: EnterpriseIdpOptions): Promise<EnterpriseIdp> {
  const path = options.path ?? '';
  const requests: SeenRequest[] = [];
  let provider: ReturnType<typeof newProvider> | undefined;
  let issuer = '';
  let mtlsOrigin = '';

  const handle = (listener: 'plain' | 'mtls') => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as Partial<TLSSocket>;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      const certificate = peer?.subject ? `CN=${peer.subject.CN}` : undefined;
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ listener, method: req.method ?? '', path: req.url ?? '', certificate, body });
      void route(req, res, body);
    });
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const url = req.url ?? '/';
    if (url === '/api/me') return protectedApi(req, res);
    let target = url;
    if (options.discovery === 'rfc8414') {
      if (url === `${path}/.well-known/openid-configuration` && req.headers['x-raw'] === undefined) return void res.writeHead(404).end('not found');
      if (url === `/.well-known/oauth-authorization-server${path}`) target = `${path}/.well-known/openid-configuration`;
    }
    if (options.tamper && target === `${path}/.well-known/openid-configuration` && req.headers['x-raw'] === undefined) {
      const doc = (await (await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { 'x-raw': '1' } })).json()) as Record<string, unknown>;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(options.tamper(doc)));
    }
    if (path !== '' && !target.startsWith(`${path}/`)) return void res.writeHead(404).end('not found');
    // Mounted under `path` as Express would: oidc-provider reads the mount path from `originalUrl`.
    // The body was read for the log; oidc-provider takes an already-read body from `req.body`.
    Object.assign(req, { originalUrl: target, url: target.slice(path.length), body });
    provider!.callback()(req, res);
  };

  const findToken = async (value: string) => (await provider!.ClientCredentials.find(value)) ?? (await provider!.AccessToken.find(value));

  const protectedApi = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const at = token ? await findToken(token) : undefined;
    const socket = req.socket as Partial<TLSSocket>;
    const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const presented = peer?.raw ? certificateThumbprint(peer.raw) : undefined;
    const bound = at?.['x5t#S256'] as string | undefined;
    if (!at || (bound !== undefined && bound !== presented)) {
      const why = !at ? 'unknown token' : 'the certificate presented is not the one the token is bound to';
      return void res.writeHead(401, { 'www-authenticate': `Bearer error="invalid_token", error_description="${why}"` }).end();
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ client_id: at.clientId, cnf: bound !== undefined ? { 'x5t#S256': bound } : null }));
  };

  const plain = http.createServer(handle('plain'));
  const mtls = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: true, rejectUnauthorized: false }, handle('mtls'))
    : undefined;
  const servers = mtls ? [plain, mtls] : [plain];
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  const plainOrigin = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  issuer = `${plainOrigin}${path}`;
  mtlsOrigin = mtls ? `https://127.0.0.1:${(mtls.address() as AddressInfo).port}` : '';
  provider = newProvider(issuer, mtls ? `${mtlsOrigin}${path}` : undefined, options);

  return {
    issuer,
    mtlsOrigin,
    apiUrl: `${mtls ? mtlsOrigin : plainOrigin}/api/me`,
    requests,
    findToken,
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

function newProvider(issuer: string, mtlsBase: string | undefined, options: EnterpriseIdpOptions) {
  const ttl = options.ttlSeconds ?? 300;
  return new Provider(issuer, {
    clients: options.clients.map((c) => ({ response_types: [], redirect_uris: [], grant_types: ['client_credentials'], ...c })),
    clientAuthMethods: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      'tls_client_auth',
      'self_signed_tls_client_auth',
      'none',
    ],
    enabledJWA: { clientAuthSigningAlgValues: ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'] },
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId,
      },
      devInteractions: { enabled: false },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        getCertificate: (ctx: { socket: Partial<TLSSocket> }) => {
          const peer = typeof ctx.socket.getPeerCertificate === 'function' ? ctx.socket.getPeerCertificate() : undefined;
          return peer?.raw ? new X509Certificate(peer.raw) : undefined;
        },
        certificateAuthorized: (ctx: { socket: Partial<TLSSocket> }) => ctx.socket.authorized === true,
        certificateSubjectMatches: (ctx: { socket: TLSSocket }, property: string, expected: string) =>
          property === 'tls_client_auth_subject_dn' && `CN=${ctx.socket.getPeerCertificate().subject.CN}` === expected,
      },
    },
    ...(mtlsBase ? { discovery: { mtls_endpoint_aliases: { token_endpoint: `${mtlsBase}/token`, revocation_endpoint: `${mtlsBase}/token/revocation` } } } : {}),
    ttl: { AccessToken: ttl, ClientCredentials: ttl },
    scopes: ['openid', 'api'],
  });
}
