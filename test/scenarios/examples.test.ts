/**
 * The examples run offline and exit 0: the per-system ones against their embedded emulations, the
 * oidc-provider and @node-oauth/oauth2-server ones against the real servers started in process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_GUARD_MS, type ChildResult, runNode } from '../helpers/child-node.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(file: string): Promise<ChildResult> {
  // Real-server variables are dropped so the examples use their emulations.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(JIM2|VRO|INFOLINK|BP|ASPNET)_/.test(k)));
  return runNode(['--import', 'tsx', file], { cwd: root, env });
}

const examples: Array<[string, RegExp[]]> = [
  ['examples/jim2.ts', [/cardfilecreate → 200/, /POST \/Jim_Test\/api\/v1\/logoff/, /licence released/]],
  ['examples/veeam.ts', [/username=vdro%5Cadministrator/, /GET \/api\/v7\.2\/Clients → 200/, /DELETE \/api\/token/, /← 204/]],
  ['examples/infolink.ts', [/executeJob → 200 success/, /logged off \(locally\)/]],
  ['examples/bright-pattern.ts', [/scope=demo\.brightpattern\.example/, /GET \/configapi\/v2\/user → 200/]],
  // The two real servers, started in process (issue 5): acquire, protected API, refresh, revoke/logoff.
  [
    'examples/oidc-provider.ts',
    [
      /token: grant \(password\)/,
      /GET \/api\/me → 200 \{"sub":"alice","client_id":"svc-basic"\}/,
      /token: refresh \(refresh_token\)/,
      /rotated the refresh token: true/,
      /access token active=false, refresh token active=false/,
    ],
  ],
  [
    'examples/node-oauth2-server.ts',
    [/GET \/api\/me → 200 \{"user":"alice"\}/, /old refresh token retired by the server: true/, /after the server forgot the token → 200/, /token held none/],
  ],
  // Enterprise identity providers (issue 10), each against a local oidc-provider standing in for it.
  [
    'examples/keycloak-discovery.ts',
    [
      /GET \/api\/me → 200 \{"client_id":"orders-service"/,
      /metadata requests: 1 \(\/realms\/acme\/\.well-known\/openid-configuration\)/,
      /logged off: 1 revocation request\(s\), token still known to the server: false/,
    ],
  ],
  [
    'examples/okta-private-key-jwt.ts',
    [/GET \/api\/me → 200/, /client authentication: private_key_jwt/, /assertions sent: 2, all different: true/, /alg=RS256 kid=okta-demo-key-1/],
  ],
  ['examples/entra-certificate.ts', [/GET \/api\/me → 200/, /x5t#S256=present x5t=present/, /assertion aud is the issuer: true, lifetime 60 s/]],
  [
    'examples/auth0-audience.ts',
    [/audiences: https:\/\/orders\.example\.com, https:\/\/billing\.example\.com/, /separate cache keys: true/, /GET \/api\/me → 200/],
  ],
  ['examples/kubernetes-assertion.ts', [/GET \/api\/me → 200/, /file rotated 2 times; token requests 2, each with the file's token of the moment: true/]],
  [
    'examples/mtls.ts',
    [
      /tm\.fetch GET \/api\/me → 200 \{"client_id":"svc-mtls","cnf":\{"x5t#S256":/,
      /went to the mTLS alias: true/,
      /interceptor GET \/api\/me → 200/,
      /another certificate → 401/,
    ],
  ],
  ['examples/aspnet-auth-token.ts', [/WindowsAuthentication=false/, /session_state: c0ffee00-demo/, /GET \/api\/v1\/profile → 200/]],
  // OpenTelemetry (issue 12): spans on the console exporter, then a line per metric point.
  [
    'examples/otel.ts',
    [
      /name: 'tokenward\.acquire'/,
      /name: 'tokenward\.token_request'/,
      /name: 'tokenward\.auth_replay'/,
      /'tokenward\.challenge\.error': 'invalid_token'/,
      /name: 'tokenward\.logoff'/,
      /GET \/api\/orders → 200/,
      /tokenward\.cache\.hits 3 /,
      /tokenward\.auth\.replays 1 /,
      /tokenward\.token\.requests 2 +\{.*tokenward\.grant=refresh_token/,
    ],
  ],
  // Many tokens from one client (issue 11), against a local oidc-provider with the grants registered.
  [
    'examples/delegation.ts',
    [
      /on behalf of alice: GET \/orders\/mine → 200 \(token for sub=alice, aud=orders\)/,
      /on behalf of bob: GET \/orders\/mine → 200 \(token for sub=bob/,
      /token exchanges: 2 /,
      /issued_token_type: urn:ietf:params:oauth:token-type:access_token/,
      /jwt_bearer: GET \/orders\/builds → 200 as build-bot/,
      /grant by URI: GET \/orders\/deploys → 200 as deploy-bot/,
    ],
  ],
  [
    'examples/dpop.ts',
    [
      /token: grant \(client_credentials\), token_type DPoP/,
      /GET \/orders\/closed → 200 \(proof verified against cnf\.jkt: true\)/,
      /token requests: 2 /,
      /API answers: 401, 200, 200, 200 /,
      /interceptor POST \/orders\/via-undici after the API rotated its nonce → 200 \(answers: 401, 200\)/,
      /token requests still: 2/,
    ],
  ],
];

describe('example sources', () => {
  // Copied into an app, an example must work as is: it imports `tokenward` (resolved here through the
  // package's own `exports`, i.e. dist/), never a path into this repository's src/.
  const files = readdirSync(`${root}examples`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  it.each(files)('examples/%s imports tokenward by its name', (file) => {
    const text = readFileSync(`${root}examples/${file}`, 'utf8');
    expect(text).not.toMatch(/from '(\.\.\/)+src\//);
  });
});

describe('system examples', () => {
  // Queued at once, run two at a time (test/helpers/child-node.ts): thirteen tsx processes started
  // together on two cores hit their time limits.
  const runs = examples.map(([file, expected]) => ({ file, expected, result: run(file) }));
  it.each(runs.map((r) => [r.file, r] as const))(
    '%s runs offline and exits 0',
    async (_file, r) => {
      const { code, stdout, stderr } = await r.result;
      // oidc-provider warns on stderr about its development-only key and adapter (and Node 20); nothing else may appear.
      expect(stderr.replace(/^oidc-provider WARNING: .*\n?/gm, '')).toBe('');
      expect(code).toBe(0);
      for (const pattern of r.expected) expect(stdout).toMatch(pattern);
      expect(stdout).not.toContain('demo secret');
      expect(stdout).not.toMatch(/-demo-secret|PRIVATE KEY/);
      // Runs queue behind one another (two at a time), so a test may wait for all that came before it.
    },
    examples.length * CHILD_GUARD_MS,
  );
});
