/**
 * Veeam Recovery Orchestrator REST API (formerly Disaster Recovery Orchestrator).
 * @module
 */
import type { Dispatcher } from 'undici';
import { ConfigError } from '../errors.js';
import type { TokenManagerOptions } from '../options.js';
import { checkInput, inputKeys, onePair, optionalString, type ProfileOverrides, requireObject, siteBase, under, withOverrides } from './shared.js';

/**
 * VRO's default REST port: what `baseUrl` gets when it is a bare host name.
 *
 * @example
 * ```ts
 * import { VEEAM_DEFAULT_PORT } from 'tokenward/profiles';
 *
 * const api = new URL(`https://vro.example.local:${VEEAM_DEFAULT_PORT}/api/v7.2/Plans`);
 * ```
 */
export const VEEAM_DEFAULT_PORT = 9898;

/**
 * What a VRO admin gives you: a user account or a client account (`POST /api/v7.2/Clients`).
 *
 * @example
 * ```ts
 * import { veeamRecoveryOrchestrator, type VeeamRecoveryOrchestratorInput } from 'tokenward/profiles';
 *
 * const input: VeeamRecoveryOrchestratorInput = { baseUrl: 'vro.example.local', clientId: 'reports-app', clientSecret };
 * const options = veeamRecoveryOrchestrator(input);
 * ```
 */
export interface VeeamRecoveryOrchestratorInput {
  /** `https://vro.example.local:9898`, or just the host name (`vro.example.local`): then https and port 9898. */
  baseUrl: string | URL;
  /** A user: `DOMAIN\user` or `user` (password grant). */
  username?: string;
  /** The user's password. Never logged, never in an error. */
  password?: string;
  /** A client account (client_credentials grant). Veeam recommends one per application: logins under one user can end each other's sessions. */
  clientId?: string;
  /** The client account's secret. */
  clientSecret?: string;
  /**
   * The CA certificate(s), PEM, that signed the server's certificate (VRO hosts often use a
   * self-signed or internal-CA certificate). Becomes `tls: { ca }` on tokenward's own transport (proxies from the environment still apply); TLS checks stay on.
   */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Your own undici `Dispatcher` instead (proxies, client certificates). Not together with `ca`. */
  dispatcher?: Dispatcher;
}

const VEEAM_KEYS = inputKeys<VeeamRecoveryOrchestratorInput>({
  baseUrl: true,
  username: true,
  password: true,
  clientId: true,
  clientSecret: true,
  ca: true,
  dispatcher: true,
});

/**
 * `TokenManager` options for Veeam Recovery Orchestrator.
 *
 * Encodes: `POST /api/token` with form-encoded body credentials (`vdro\administrator` and refresh
 * tokens holding `+ / =` arrive intact); refreshes carrying only `grant_type` and `refresh_token`, as
 * Veeam's sample does; lower-case `bearer` normalised; logoff `DELETE /api/token` with
 * the bearer token (200, 204 and 401 all mean "logged off"); a 401 mid-session (another login under the
 * same account) re-acquires once; a private CA through `ca`, never by disabling certificate checks.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { TokenManager } from 'tokenward';
 * import { veeamRecoveryOrchestrator } from 'tokenward/profiles';
 *
 * const tm = new TokenManager(veeamRecoveryOrchestrator({
 *   baseUrl: 'vro.example.local',                 // https://vro.example.local:9898
 *   username: 'VRO\\svc-reports', password: process.env.VRO_PASSWORD!,
 *   ca: readFileSync('vro-ca.pem'),
 * }));
 * const plans = await (await tm.fetch('/api/v7.2/Plans')).json();
 * await tm.logoff(); // DELETE /api/token
 * ```
 * @throws {ConfigError} naming the missing or malformed input.
 */
export function veeamRecoveryOrchestrator(input: VeeamRecoveryOrchestratorInput, overrides?: ProfileOverrides): TokenManagerOptions {
  requireObject('veeamRecoveryOrchestrator', input);
  checkInput('veeamRecoveryOrchestrator', input, VEEAM_KEYS);
  const raw = input.baseUrl;
  // A bare host (or host:port) gets VRO's defaults: https and port 9898.
  const bare = typeof raw === 'string' && raw !== '' && !/^[a-z][a-z\d+.-]*:\/\//i.test(raw);
  const base = siteBase('veeamRecoveryOrchestrator', 'baseUrl', bare ? `https://${/:\d+$/.test(raw) ? raw : `${raw}:${VEEAM_DEFAULT_PORT}`}` : raw);
  const which = onePair(
    'veeamRecoveryOrchestrator',
    ['username', input.username, 'password', input.password],
    ['clientId', input.clientId, 'clientSecret', input.clientSecret],
  );
  if (input.ca !== undefined && input.dispatcher !== undefined) {
    throw new ConfigError("veeamRecoveryOrchestrator(): give `ca` or `dispatcher`, not both (put the CA into your dispatcher's `connect.ca`)");
  }
  let ca: Array<string | Buffer> | undefined;
  if (input.ca !== undefined) {
    ca = (Array.isArray(input.ca) ? input.ca : [input.ca]) as Array<string | Buffer>;
    if (ca.length === 0 || !ca.every((c) => (typeof c === 'string' && c.includes('-----BEGIN')) || Buffer.isBuffer(c))) {
      throw new ConfigError('veeamRecoveryOrchestrator(): option `ca` must be PEM text (-----BEGIN CERTIFICATE-----) or a Buffer, or an array of them');
    }
  }
  const credentials: Partial<TokenManagerOptions> =
    which === 'first'
      ? {
          grant: 'password',
          username: optionalString('veeamRecoveryOrchestrator', 'username', input.username)!,
          password: optionalString('veeamRecoveryOrchestrator', 'password', input.password, true)!,
        }
      : {
          grant: 'client_credentials',
          clientId: optionalString('veeamRecoveryOrchestrator', 'clientId', input.clientId)!,
          clientSecret: optionalString('veeamRecoveryOrchestrator', 'clientSecret', input.clientSecret, true)!,
          // "Body only" on Veeam's page: no Basic probe.
          clientAuth: 'body',
        };
  return withOverrides(
    {
      tokenUrl: under(base, 'api/token'),
      baseUrl: base.href,
      ...credentials,
      logoff: { style: 'bearer', url: under(base, 'api/token'), method: 'DELETE' },
      // Veeam's refresh sample sends only `grant_type=refresh_token&refresh_token=…`, no client
      // credentials, even for a client account; send exactly that.
      refreshWithClientAuth: false,
      // The CA goes to tokenward's own transport (`tls: { ca }`), which keeps honouring HTTPS_PROXY / NO_PROXY.
      ...(ca !== undefined ? { tls: { ca } } : {}),
      ...(input.dispatcher !== undefined ? { dispatcher: input.dispatcher } : {}),
    },
    overrides,
  );
}
