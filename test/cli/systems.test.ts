/**
 * `--system <name>` against each of the demo's emulations, whose token endpoints refuse a request that
 * misses the system's quirks (Jim2's site path and body credentials, Veeam's DOMAIN\user form encoding,
 * Bright Pattern's tenant-host scope, the ASP.NET facade's JSON body): the settings reach the
 * profile's inputs by name. And the secret prompt through a real pseudo-terminal (`script`).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SECRET, EMULATIONS, EmulatedServer } from '../../demo/emulations.js';
import { CLI, CLI_TEST_TIMEOUT, cleanupDirs, type Emulated, expectNoSecrets, runCli, runCliTests, scratchDir, startEmulation } from './harness.js';

let emulation: Emulated | undefined;
afterEach(async () => {
  await emulation?.close();
  emulation = undefined;
  cleanupDirs();
});

const systems: Array<{ name: string; emulation: string; args: (origin: string) => string[]; env: Record<string, string>; api: string }> = [
  {
    name: 'jim2',
    emulation: 'jim2',
    args: (o) => ['--base-url', `${o}/Jim_Test/`, '--client-id', 'TestClientId'],
    env: { TOKENWARD_CLIENT_SECRET: DEMO_SECRET },
    api: 'api/v1/cardfilecreate',
  },
  {
    name: 'veeam',
    emulation: 'veeam',
    args: (o) => ['--base-url', o, '--username', 'vdro\\administrator'],
    env: { TOKENWARD_PASSWORD: DEMO_SECRET },
    api: '/api/v7.2/Clients',
  },
  {
    name: 'infolink',
    emulation: 'infolink',
    args: (o) => ['--base-url', o, '--client-id', '9605c5d5-2a1b-49cc-8aaa-b350ee9d86b6'],
    env: { TOKENWARD_CLIENT_SECRET: DEMO_SECRET },
    api: 'api/v1/executeJob',
  },
  {
    name: 'bright-pattern',
    emulation: 'bright-pattern',
    args: (o) => ['--tenant-host', 'demo.brightpattern.example', '--base-url', o, '--client-id', 'sheila.thomas'],
    env: { TOKENWARD_CLIENT_SECRET: DEMO_SECRET },
    api: '/configapi/v2/user',
  },
  {
    name: 'aspnet',
    emulation: 'aspnet',
    args: (o) => ['--base-url', o, '--client-id', 'portal', '--username', 'jan.novak'],
    env: { TOKENWARD_CLIENT_SECRET: DEMO_SECRET, TOKENWARD_PASSWORD: DEMO_SECRET },
    api: '/api/v1/profile',
  },
];

describe.runIf(runCliTests)('--system', { timeout: CLI_TEST_TIMEOUT }, () => {
  it.each(systems)('$name: token, then fetch with the cached token, then inspect', async (system) => {
    emulation = await startEmulation(system.emulation);
    const args = ['--system', system.name, ...system.args(emulation.origin)];
    const env = { ...system.env, TOKENWARD_CACHE_DIR: join(scratchDir(), 'cache') };
    const token = await runCli(['token', ...args], { env });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toBe(`${emulation.issued[0]}\n`);
    const fetched = await runCli(['fetch', system.api, ...args], { env });
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stdout).toMatch(/"ok":true|"status":"success"/);
    const inspected = await runCli(['inspect', ...args], { env });
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/^obtained +from the cache/m);
    expect(emulation.server.counts.token).toBe(1);
    for (const r of [fetched, inspected]) expectNoSecrets(r, [DEMO_SECRET, ...emulation.issued]);
    expectNoSecrets(token, [DEMO_SECRET], { stdout: false });
  });
});

describe.runIf(runCliTests)('--system veeam --ca over real TLS (a self-signed certificate)', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('trusts the given CA with certificate checks on, with and without --verbose; without --ca the certificate is refused', async () => {
    const dir = scratchDir();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=vro.test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const veeam = new EmulatedServer(EMULATIONS.veeam!, () => {});
    const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = veeam.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(answer.status, answer.headers).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const args = [
        '--system',
        'veeam',
        '--base-url',
        `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
        '--username',
        'vdro\\administrator',
        '--no-cache',
        '--retries',
        '0',
      ];
      const env = { TOKENWARD_PASSWORD: DEMO_SECRET };
      const plain = await runCli(['fetch', '/api/v7.2/Clients', ...args, '--ca', join(dir, 'cert.pem')], { env });
      expect(plain.code, plain.stderr).toBe(0);
      const verbose = await runCli(['fetch', '/api/v7.2/Clients', '-v', ...args], { env: { ...env, TOKENWARD_CA_FILE: join(dir, 'cert.pem') } });
      expect(verbose.code, verbose.stderr).toBe(0);
      expect(verbose.stderr).toContain('* POST https://127.0.0.1:');
      const refused = await runCli(['token', ...args], { env });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/certificate/i);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe.runIf(runCliTests && hasScript && process.platform === 'linux')('the secret prompt on a terminal', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('asks with echo off when stdin is a terminal and the secret is missing, and the answer works', async () => {
    emulation = await startEmulation('jim2');
    const command = [
      process.execPath,
      CLI,
      'token',
      '--system',
      'jim2',
      '--base-url',
      `${emulation.origin}/Jim_Test/`,
      '--client-id',
      'TestClientId',
      '--no-cache',
    ]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    // `script` gives the CLI a pseudo-terminal; keystrokes go in through it once the question is shown.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', HOME: scratchDir(), TERM: 'dumb' } });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (c: Buffer) => {
      screen += c.toString();
      if (!typed && screen.includes('Client secret for TestClientId: ')) {
        typed = true;
        child.stdin.write(`${DEMO_SECRET}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, screen).toBe(0);
    expect(screen).toContain(emulation.issued[0]);
    expect(screen).not.toContain(DEMO_SECRET);
  });
});
