/**
 * The CLI with an enterprise identity provider: oidc-provider (started here, as the library's
 * enterprise tests start it) and the CLI spawned against it. Discovery from `--issuer`,
 * `private_key_jwt` from a PEM, a JWK set or an encrypted PEM, `client_secret_jwt`, a client assertion
 * file, and mutual TLS with a certificate-bound token that `tokenward fetch` presents to the API; and
 * each new failure (an unreadable key, a wrong passphrase, a discovery mismatch) with the exit code of
 * its class and a message naming the flag, never a byte of a key, an assertion or a token.
 */
import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EnterpriseIdp, type EnterpriseIdpOptions, startEnterpriseIdp } from '../../examples/_servers/oidc-enterprise.js';
import { makeKey, makePki, type TestKey } from '../helpers/certs.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, expectNoSecrets, runCli, runCliTests, scratchDir } from './harness.js';

const HS_SECRET = 'client-secret-jwt: a shared secret of 40+ bytes';
const PASSPHRASE = 'correct horse battery staple';
let pki: ReturnType<typeof makePki>;
let ec: TestKey;
let rsa: TestKey;
const started: EnterpriseIdp[] = [];

function clients(): EnterpriseIdpOptions['clients'] {
  return [
    { client_id: 'svc-basic', client_secret: 'basic-secret-1', token_endpoint_auth_method: 'client_secret_basic' },
    { client_id: 'svc-ec', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [ec.publicJwk] } },
    { client_id: 'svc-rsa', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...rsa.publicJwk, kid: 'rsa-1' }] } },
    { client_id: 'svc-hs', client_secret: HS_SECRET, token_endpoint_auth_method: 'client_secret_jwt' },
    {
      client_id: 'svc-mtls',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=svc-mtls',
      tls_client_certificate_bound_access_tokens: true,
    },
  ];
}

async function idp(options: Partial<EnterpriseIdpOptions> = {}): Promise<EnterpriseIdp> {
  const server = await startEnterpriseIdp({ clients: clients(), tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert }, ...options });
  started.push(server);
  return server;
}

/** A file in a scratch directory holding `text`. */
function file(name: string, text: string): string {
  const path = join(scratchDir(), name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

const tokenRequests = (s: EnterpriseIdp) => s.requests.filter((r) => r.method === 'POST' && /\/token$/.test(r.path));
const metadataRequests = (s: EnterpriseIdp) => s.requests.filter((r) => r.path.includes('/.well-known/'));
/** A line of a PEM body: if it shows up anywhere, the key leaked. */
const keyLine = (pem: string) => pem.split('\n')[2]!;

beforeAll(() => {
  pki = makePki();
  ec = makeKey('ec256');
  rsa = makeKey('rsa');
});
afterEach(cleanupDirs);
afterAll(async () => {
  for (const s of started) await s.close();
});

describe.runIf(runCliTests)('tokenward with --issuer (discovery)', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('finds the token endpoint from the metadata, with an issuer path, and revokes at the discovered endpoint', async () => {
    const s = await idp({ path: '/realms/acme' });
    const env = { TOKENWARD_CLIENT_SECRET: 'basic-secret-1', TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const args = ['--issuer', s.issuer, '--client-id', 'svc-basic', '--logoff-style', 'revoke'];
    const inspect = await runCli(['inspect', ...args], { env });
    expect(inspect.code, inspect.stderr).toBe(0);
    // The provider lists its methods, so auto picked Basic without probing.
    expect(inspect.stdout).toMatch(/^client auth +basic$/m);
    expect(metadataRequests(s).map((r) => r.path)).toEqual(['/realms/acme/.well-known/openid-configuration']);
    expect(tokenRequests(s).map((r) => r.path)).toEqual(['/realms/acme/token']);

    const logoff = await runCli(['logoff', ...args], { env });
    expect(logoff.code, logoff.stderr).toBe(0);
    expect(logoff.stdout).toContain('released the session');
    expect(s.requests.filter((r) => r.path === '/realms/acme/token/revocation')).toHaveLength(1);
    expectNoSecrets(inspect, ['basic-secret-1']);
  });

  it('metadata naming another issuer: exit 4, the URL and what to fix, no token request', async () => {
    const s = await idp({ tamper: (doc) => ({ ...doc, issuer: `${doc.issuer as string}/` }) });
    const result = await runCli(['token', '--issuer', s.issuer, '--client-id', 'svc-basic'], { env: { TOKENWARD_CLIENT_SECRET: 'basic-secret-1' } });
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${s.issuer}/.well-known/openid-configuration names issuer "${s.issuer}/"`);
    expect(result.stderr).toContain('hint: --issuer must equal');
    expect(tokenRequests(s)).toHaveLength(0);
  });
});

describe.runIf(runCliTests)('tokenward with private_key_jwt and client_secret_jwt', { timeout: CLI_TEST_TIMEOUT }, () => {
  it.each([
    ['an EC key as PEM (--private-key-file)', 'svc-ec', () => ({ args: ['--private-key-file', file('ec.pem', ec.pem)], env: {} })],
    [
      'an RSA key as a JWK set with its kid (TOKENWARD_PRIVATE_KEY_FILE)',
      'svc-rsa',
      () => ({
        args: [],
        env: {
          TOKENWARD_PRIVATE_KEY_FILE: file('rsa.jwks', JSON.stringify({ keys: [{ ...(rsa.privateKey.export({ format: 'jwk' }) as object), kid: 'rsa-1' }] })),
        },
      }),
    ],
    [
      'an encrypted PEM in the environment, its passphrase from a file',
      'svc-ec',
      () => ({
        args: ['--key-passphrase-file', file('pass', `${PASSPHRASE}\n`)],
        env: { TOKENWARD_PRIVATE_KEY: ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString() },
      }),
    ],
  ])('%s: inspect shows private_key_jwt; no key on any output', async (_, clientId, given) => {
    const s = await idp();
    const { args, env } = given();
    const result = await runCli(['inspect', '--issuer', s.issuer, '--client-id', clientId, ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^client auth +private_key_jwt$/m);
    const [request] = tokenRequests(s);
    const assertion = new URLSearchParams(request!.body).get('client_assertion')!;
    // aud is the issuer (discovered), the kid the JWK's.
    const [header, claims] = assertion
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(claims).toMatchObject({ iss: clientId, sub: clientId, aud: s.issuer });
    if (clientId === 'svc-rsa') expect(header).toMatchObject({ alg: 'RS256', kid: 'rsa-1' });
    expectNoSecrets(result, [keyLine(ec.pem), keyLine(rsa.pem), assertion, PASSPHRASE]);
  });

  it('client_secret_jwt: --client-auth client_secret_jwt with the secret as usual', async () => {
    const s = await idp();
    const result = await runCli(['inspect', '--issuer', s.issuer, '--client-id', 'svc-hs', '--client-auth', 'client_secret_jwt'], {
      env: { TOKENWARD_CLIENT_SECRET: HS_SECRET },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^client auth +client_secret_jwt$/m);
    expectNoSecrets(result, [HS_SECRET]);
  });

  it('a key the provider does not know: exit 2, a hint about the key, and no secret asked for', async () => {
    const s = await idp();
    const stranger = makeKey('ec256');
    const result = await runCli(['token', '--issuer', s.issuer, '--client-id', 'svc-ec', '--private-key-file', file('k.pem', stranger.pem)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid_client');
    expect(result.stderr).toContain('public key of the private key (--private-key-file)');
    expect(result.stderr).not.toContain('No client secret was sent');
    expectNoSecrets(result, [keyLine(stranger.pem)]);
  });

  it.each([
    [
      'an unreadable key file',
      () => ['--private-key-file', join(scratchDir(), 'missing.pem')],
      {},
      /--private-key-file: cannot read the private key file ".*missing\.pem": ENOENT/,
    ],
    [
      'the key itself where its file path belongs (TOKENWARD_PRIVATE_KEY_FILE set to the PEM): not echoed',
      () => [],
      { TOKENWARD_PRIVATE_KEY_FILE: '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG-not-a-real-key\n-----END PRIVATE KEY-----\n' },
      /TOKENWARD_PRIVATE_KEY_FILE: cannot read the private key file \(not shown: the value looks like a key or token itself, not a file path\): ENOENT/,
    ],
    [
      'an encrypted key without a passphrase',
      () => [
        '--private-key-file',
        file('enc.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString()),
      ],
      {},
      /--private-key-file: the key is encrypted and no passphrase was given: set TOKENWARD_KEY_PASSPHRASE/,
    ],
    [
      'a wrong passphrase',
      () => [
        '--private-key-file',
        file('enc.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString()),
      ],
      { TOKENWARD_KEY_PASSPHRASE: 'not the passphrase' },
      /--private-key-file: could not decrypt the key with the passphrase from TOKENWARD_KEY_PASSPHRASE: a wrong passphrase\?/,
    ],
    [
      'a file that is no key',
      () => ['--private-key-file', file('junk.pem', 'not a key at all')],
      {},
      /`privateKey` could not be read as a private key[\s\S]*hint: `privateKey` is the private key: set TOKENWARD_PRIVATE_KEY, or pass --private-key-file/,
    ],
    ['a key on the command line', () => ['--private-key', 'x'], {}, /--private-key is not accepted/],
  ])('%s: exit 1 and a message naming the flag, before any request', async (_, args, env, message) => {
    const s = await idp();
    const result = await runCli(['token', '--issuer', s.issuer, '--client-id', 'svc-ec', ...args()], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(tokenRequests(s)).toHaveLength(0);
    expectNoSecrets(result, [keyLine(ec.pem), 'not the passphrase', 'MIGHAgEAMBMG-not-a-real-key']);
  });
});

describe.runIf(runCliTests)('tokenward with a client assertion file', { timeout: CLI_TEST_TIMEOUT }, () => {
  /** An assertion signed with the EC key, as a workload identity issuer would make one. */
  async function assertion(clientId: string, audience: string, lifetime = 300): Promise<string> {
    const { SignJWT } = await import('jose');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setJti(crypto.randomUUID())
      .setIssuedAt(now - 10)
      .setExpirationTime(now + lifetime)
      .sign(createPrivateKey(ec.pem));
  }

  it('sends the file as the client_assertion (private_key_jwt), read again for each request', async () => {
    const s = await idp();
    const path = file('idp-token', `${await assertion('svc-ec', s.issuer)}\n`);
    const env = { TOKENWARD_CLIENT_ASSERTION_FILE: path, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const first = await runCli(['inspect', '--issuer', s.issuer, '--client-id', 'svc-ec'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^client auth +private_key_jwt$/m);
    // The kubelet rotated the file: the next token request sends the new one (oidc-provider refuses a replayed jti).
    const rotated = await assertion('svc-ec', s.issuer);
    writeFileSync(path, rotated);
    const second = await runCli(['token', '--issuer', s.issuer, '--client-id', 'svc-ec', '--no-cache'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(tokenRequests(s).map((r) => new URLSearchParams(r.body).get('client_assertion'))).toEqual([expect.any(String), rotated]);
    expectNoSecrets(first, [rotated, new URLSearchParams(tokenRequests(s)[0]!.body).get('client_assertion')!]);
  });

  it('an expired assertion (a file no longer rotated): exit 2 and a hint, the assertion never shown', async () => {
    const s = await idp();
    const stale = await assertion('svc-ec', s.issuer, -60);
    const result = await runCli(['token', '--issuer', s.issuer, '--client-id', 'svc-ec', '--client-assertion-file', file('idp-token', stale)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expired at');
    expect(result.stderr).toContain('hint: check the client assertion');
    expect(tokenRequests(s)).toHaveLength(0);
    expectNoSecrets(result, [stale]);
  });
});

describe.runIf(runCliTests)('tokenward with mutual TLS (RFC 8705)', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('tls_client_auth through the discovered mTLS alias; `fetch` presents the certificate the token is bound to', async () => {
    const s = await idp({ path: '/realms/acme' });
    const encryptedKey = createPrivateKey(pki.client.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString();
    const args = [
      '--issuer',
      s.issuer,
      '--client-id',
      'svc-mtls',
      '--cert',
      file('client.crt', pki.client.cert),
      '--key',
      file('client.key', encryptedKey),
      '--ca',
      file('ca.crt', pki.ca.cert),
      '--base-url',
      s.mtlsOrigin,
    ];
    const env = { TOKENWARD_KEY_PASSPHRASE: PASSPHRASE, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const inspect = await runCli(['inspect', ...args], { env });
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/^client auth +tls_client_auth$/m);
    expect(tokenRequests(s).map((r) => [r.listener, r.certificate])).toEqual([['mtls', 'CN=svc-mtls']]);

    const fetched = await runCli(['fetch', '/api/me', ...args], { env });
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(JSON.parse(fetched.stdout)).toEqual({ client_id: 'svc-mtls', cnf: { 'x5t#S256': expect.any(String) } });
    // The cached token was used: one token request for both runs.
    expect(tokenRequests(s)).toHaveLength(1);
    expectNoSecrets(inspect, [keyLine(pki.client.key), keyLine(encryptedKey), PASSPHRASE]);
    expectNoSecrets(fetched, [keyLine(pki.client.key), PASSPHRASE]);
  });

  it('--ca alone: a token endpoint whose certificate a private CA signed, checks on (and refused without it)', async () => {
    const s = await idp();
    const args = ['token', '--token-url', `${s.mtlsOrigin}/token`, '--client-id', 'svc-basic', '--no-cache'];
    const env = { TOKENWARD_CLIENT_SECRET: 'basic-secret-1' };
    const trusted = await runCli([...args, '--ca', file('ca.crt', pki.ca.cert)], { env });
    expect(trusted.code, trusted.stderr).toBe(0);
    const untrusted = await runCli(args, { env });
    expect(untrusted.code).toBe(3);
    expect(tokenRequests(s)).toHaveLength(1);
  });

  it('--cert without --key, and a wrong passphrase for --key: exit 1 naming what to pass', async () => {
    const s = await idp();
    const base = ['token', '--issuer', s.issuer, '--client-id', 'svc-mtls', '--cert', file('client.crt', pki.client.cert)];
    const noKey = await runCli(base);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('--cert needs its private key: set TOKENWARD_KEY, or pass --key <path>');
    const encryptedKey = createPrivateKey(pki.client.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString();
    const wrong = await runCli([...base, '--key', file('client.key', encryptedKey)], { env: { TOKENWARD_KEY_PASSPHRASE: 'nope-not-it' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/--key: could not decrypt the key with the passphrase from TOKENWARD_KEY_PASSPHRASE/);
    expect(tokenRequests(s)).toHaveLength(0);
    expectNoSecrets(wrong, [keyLine(encryptedKey), 'nope-not-it']);
  });
});
