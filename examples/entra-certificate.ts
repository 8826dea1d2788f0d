/**
 * Microsoft Entra ID client credentials with a certificate: `npx tsx examples/entra-certificate.ts`.
 *
 * Entra ID takes a client assertion signed with the private key of a certificate uploaded to the app
 * registration, and finds the certificate by its thumbprint in the assertion's `x5t#S256` (and legacy
 * `x5t`) header. A local oidc-provider stands in for `https://login.microsoftonline.com/{tenant}/v2.0`.
 */
import { X509Certificate } from 'node:crypto';
import { TokenManager } from 'tokenward';
import { startEnterpriseIdp } from './_servers/oidc-enterprise.js';
import { selfSignedCertificate } from './_servers/pki.js';

// `openssl req -x509 -newkey ec ... -subj /CN=orders-service`: upload cert.pem to the app registration.
const credential = selfSignedCertificate('orders-service');
const publicJwk = new X509Certificate(credential.cert).publicKey.export({ format: 'jwk' });

const idp = await startEnterpriseIdp({
  path: '/contoso-tenant-id/v2.0',
  clients: [{ client_id: '11111111-2222-3333-4444-555555555555', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] } }],
});
try {
  const tm = new TokenManager({
    issuer: idp.issuer, // https://login.microsoftonline.com/<tenant id>/v2.0
    clientId: '11111111-2222-3333-4444-555555555555',
    privateKey: credential.key, // PEM
    signingCertificate: credential.cert, // → x5t and x5t#S256 in the assertion header
    // scope: 'api://orders/.default', // what Entra ID wants for client credentials
  });
  const res = await tm.fetch(idp.apiUrl);
  console.log(`GET /api/me → ${res.status} ${JSON.stringify(await res.json())}`);
  const assertion = new URLSearchParams(idp.requests.find((r) => r.path.endsWith('/token'))!.body).get('client_assertion')!;
  const header = JSON.parse(Buffer.from(assertion.split('.')[0]!, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString());
  console.log(`assertion header: alg=${header.alg} x5t#S256=${header['x5t#S256'] ? 'present' : 'missing'} x5t=${header.x5t ? 'present' : 'missing'}`);
  console.log(`assertion aud is the issuer: ${claims.aud === idp.issuer}, lifetime ${claims.exp - claims.iat} s`);
} finally {
  await idp.close();
}
