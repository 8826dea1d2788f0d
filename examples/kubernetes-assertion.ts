/**
 * A Kubernetes projected service-account token as the client assertion: `npx tsx examples/kubernetes-assertion.ts`.
 *
 * With workload identity federation (Entra ID federated credentials, Okta, Keycloak's Kubernetes
 * identity provider), the pod holds no key: the kubelet writes a short-lived token to a file and rotates
 * it, and that token is the `client_assertion`. tokenward calls `clientAssertion` for every request, so
 * a rotated file is always the one sent. Here a "kubelet" (the example itself) signs the file, and a local
 * oidc-provider that trusts the cluster's key stands in for the identity provider.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { TokenManager } from 'tokenward';
import { startEnterpriseIdp } from './_servers/oidc-enterprise.js';

const CLIENT_ID = 'system:serviceaccount:shop:orders';
const cluster = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const idp = await startEnterpriseIdp({
  clients: [{ client_id: CLIENT_ID, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [cluster.publicKey.export({ format: 'jwk' })] } }],
});
// /var/run/secrets/tokens/idp-token in a real pod (a projected volume with `audience: <issuer>`).
const dir = mkdtempSync(join(tmpdir(), 'projected-'));
const tokenFile = join(dir, 'idp-token');
let rotations = 0;
/** What the kubelet does: a fresh token in the file, well before the old one expires. */
async function rotate(): Promise<void> {
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(CLIENT_ID)
    .setSubject(CLIENT_ID)
    .setAudience(idp.issuer)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(cluster.privateKey);
  writeFileSync(tokenFile, jwt);
  rotations++;
}

try {
  await rotate();
  const tm = new TokenManager({
    issuer: idp.issuer,
    clientId: CLIENT_ID,
    clientAssertion: () => readFileSync(tokenFile, 'utf8'), // read for every request
  });
  console.log(`GET /api/me → ${(await tm.fetch(idp.apiUrl)).status}`);
  await rotate();
  await tm.getToken({ forceRefresh: true });
  const sent = idp.requests.filter((r) => r.path === '/token').map((r) => new URLSearchParams(r.body).get('client_assertion'));
  console.log(
    `client authentication: ${tm.clientAuth}; file rotated ${rotations} times; token requests ${sent.length}, each with the file's token of the moment: ${sent[0] !== sent[1]}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await idp.close();
}
