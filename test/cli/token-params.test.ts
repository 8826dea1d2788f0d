/**
 * The CLI's token parameters and DPoP against oidc-provider with RFC 8707 resource indicators and DPoP
 * (the grants provider of the library's interop tests), its APIs verifying `aud` and DPoP proofs with
 * jose: `--resource` gets the token for that API (cached in its own file, released once by `logoff`),
 * and `--dpop` binds the token to a key of the run, which `inspect` shows and `fetch` proves.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DPOP_CLIENT, GRANTS_CLIENT, type GrantsIdp, startGrantsIdp } from '../../examples/_servers/oidc-grants.js';
import { CLI_TEST_TIMEOUT, cleanupDirs, expectNoSecrets, runCli, runCliTests, scratchDir } from './harness.js';

let idp: GrantsIdp;
beforeAll(async () => {
  idp = await startGrantsIdp({ apis: ['orders', 'billing'], tokenEndpointNonce: true, apiNonce: true });
});
afterEach(cleanupDirs);
afterAll(async () => {
  await idp?.close();
});

const claimLine = (out: string, claim: string) => new RegExp(`^(JWT claims)? +${claim}: (.*)$`, 'm').exec(out)?.[2];

describe.runIf(runCliTests)('tokenward --resource / --audience', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('--resource: inspect shows the token for that API, fetch calls it with the cached token, logoff revokes it once', async () => {
    const orders = idp.apis.orders!;
    const env = { TOKENWARD_CLIENT_SECRET: GRANTS_CLIENT.secret, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const args = [
      '--issuer',
      idp.issuer,
      '--client-id',
      GRANTS_CLIENT.id,
      '--resource',
      orders.resource,
      '--allowed-origin',
      idp.apiOrigin,
      '--logoff-style',
      'revoke',
    ];
    const before = idp.tokenRequests.length;
    const inspect = await runCli(['inspect', ...args], { env });
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(claimLine(inspect.stdout, 'aud')).toBe(JSON.stringify(orders.resource));
    expect(idp.tokenRequests.slice(before).map((r) => r.body.getAll('resource'))).toEqual([[orders.resource]]);

    const fetched = await runCli(['fetch', `${orders.resource}open`, ...args], { env });
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(JSON.parse(fetched.stdout)).toMatchObject({ client_id: GRANTS_CLIENT.id, aud: orders.resource });
    expect(idp.tokenRequests.length - before).toBe(1);

    // Another API is another token (and cache file); without --resource, the orders API refuses it.
    const billing = await runCli(
      [
        'fetch',
        `${orders.resource}open`,
        '--fail',
        ...args.filter((a) => a !== orders.resource && a !== '--resource'),
        '--resource',
        idp.apis.billing!.resource,
      ],
      { env },
    );
    expect(billing.code).toBe(5);

    const revocations = () => idp.requests.filter((r) => r.path.endsWith('/revocation')).length;
    const revokedBefore = revocations();
    const logoff = await runCli(['logoff', ...args], { env });
    expect(logoff.code, logoff.stderr).toBe(0);
    // One session, one revocation request to the discovered endpoint: the manager's own slot, which
    // shares the cache file with the --resource one, does not release it a second time. (oidc-provider
    // answers that a JWT access token cannot be revoked, so the CLI does not claim it was released.)
    expect(revocations() - revokedBefore).toBe(1);
    expect(logoff.stdout).not.toContain('no logoff endpoint');
    expectNoSecrets(inspect, [GRANTS_CLIENT.secret]);
  });

  it('--audience and repeated --resource are sent as token parameters, and name their own cache file', async () => {
    const env = { TOKENWARD_CLIENT_SECRET: GRANTS_CLIENT.secret, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const base = ['token', '--issuer', idp.issuer, '--client-id', GRANTS_CLIENT.id];
    const before = idp.tokenRequests.length;
    const both = await runCli([...base, '--resource', idp.apis.orders!.resource, '--resource', idp.apis.billing!.resource], { env });
    // oidc-provider issues a JWT for one resource at a time: two are refused, which proves both were sent.
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('invalid_target');
    const sent = idp.tokenRequests.slice(before);
    expect(sent.at(-1)!.body.getAll('resource').sort()).toEqual([idp.apis.orders!.resource, idp.apis.billing!.resource].sort());
    const audience = await runCli([...base, '--audience', 'https://orders.example'], { env: { ...env, TOKENWARD_AUDIENCE: 'ignored: the flag wins' } });
    expect(audience.code, audience.stderr).toBe(0);
    expect(idp.tokenRequests.at(-1)!.body.get('audience')).toBe('https://orders.example');
  });
});

describe.runIf(runCliTests)('tokenward --dpop', { timeout: CLI_TEST_TIMEOUT }, () => {
  it("inspect shows a DPoP token bound to the run's key (cnf.jkt); fetch sends proofs the API verifies", async () => {
    const orders = idp.apis.orders!;
    const env = { TOKENWARD_CLIENT_SECRET: DPOP_CLIENT.secret, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const args = ['--issuer', idp.issuer, '--client-id', DPOP_CLIENT.id, '--resource', orders.resource, '--allowed-origin', idp.apiOrigin, '--dpop'];
    const inspect = await runCli(['inspect', ...args], { env });
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/^token type +DPoP$/m);
    expect(claimLine(inspect.stdout, 'cnf')).toMatch(/^\{"jkt":"[\w-]{43}"\}$/);

    const fetched = await runCli(['fetch', `${orders.resource}open`, ...args], { env: { ...env, TOKENWARD_DPOP: undefined } });
    expect(fetched.code, fetched.stderr).toBe(0);
    const answer = JSON.parse(fetched.stdout) as { jkt: string | null };
    expect(answer.jkt).toMatch(/^[\w-]{43}$/);
    // A key per run: the second run's token is bound to another key, and nothing was cached.
    expect(claimLine(inspect.stdout, 'cnf')).not.toContain(answer.jkt);
    expect(orders.requests.at(-1)!.status).toBe(200);
  });
});
