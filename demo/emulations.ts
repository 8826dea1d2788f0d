/**
 * The demo's embedded systems: one small token server + API per system, each with that system's quirks
 * (paths, body format, answer shape and lifetimes as documented, how an API says "token rejected",
 * logoff). Every wire line printed here is redacted: a token or secret is shown as `[token 43 chars]`,
 * never any part of it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { TokenManagerOptions } from '../src/index.js';
import { aspnetAuthToken, brightPattern, infolink, jim2, veeamRecoveryOrchestrator } from '../src/profiles/index.js';

/** Access-token lifetime each emulation hands out, seconds: the documented value where there is one. */
export const LIFETIMES: Record<string, number> = { default: 60, jim2: 1199, veeam: 899, infolink: 1800, 'bright-pattern': 3599, aspnet: 300 };

/** A request as the embedded server saw it. */
export interface WireRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the embedded server answers. */
export interface WireAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** One emulated system. */
export interface Emulation {
  /** `--system` name. */
  readonly name: string;
  readonly title: string;
  /** One line per quirk, printed before the story. */
  readonly quirks: readonly string[];
  /** The profile call, as a user would write it (printed). */
  readonly profileCall: string;
  /** `TokenManager` options for the embedded server at `origin`. */
  options(origin: string): TokenManagerOptions;
  /** The API call the story makes. */
  readonly call: { path: string; init?: RequestInit };
  /** The grant a renewal uses: `refresh_token`, or a new grant where the system gives no refresh token. */
  readonly renewal: string;
  /** Whether logoff sends a request. */
  readonly logoffRequest: boolean;
  /** What a "token rejected" answer looks like, for the printout. */
  readonly rejectedLooksLike: string;
}

/** Which secrets and tokens the wire printer must hide. */
const SECRET_FIELDS = new Set(['client_secret', 'password', 'refresh_token', 'access_token', 'id_token', 'token']);

/** `[token 43 chars]`: the length only. */
export function hidden(value: string, what = 'token'): string {
  return `[${what} ${value.length} chars]`;
}

/** An Authorization header with its credentials hidden. */
export function redactAuthorization(value: string | undefined): string {
  if (value === undefined) return 'none';
  const [scheme, rest = ''] = value.split(' ', 2);
  return `${scheme} ${hidden(rest, scheme!.toLowerCase() === 'basic' ? 'credentials' : 'token')}`;
}

/**
 * Request or answer fields with secrets hidden. `form` prints them as the form body went over the wire
 * (`grant_type=password&username=vdro%5Cadministrator&password=[secret 9 chars]`); otherwise each value
 * is shown as JSON (`WindowsAuthentication=false refresh_token=[token 44 chars]`).
 */
export function redactFields(fields: Record<string, unknown>, form = false): string {
  return Object.entries(fields)
    .map(([k, v]) => {
      if (SECRET_FIELDS.has(k) && typeof v === 'string') return `${k}=${hidden(v, k.includes('secret') || k === 'password' ? 'secret' : 'token')}`;
      return form ? new URLSearchParams({ [k]: String(v) }).toString() : `${k}=${JSON.stringify(v)}`;
    })
    .join(form ? '&' : ' ');
}

/** Parses a token request body as the system would (form or JSON). */
export function readBody(req: WireRequest): Record<string, unknown> {
  if (/json/i.test(req.headers['content-type'] ?? '')) {
    try {
      return JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(req.body));
}

const token = (bytes = 32) => randomBytes(bytes).toString('base64url');
/** Veeam's refresh tokens are base64 with `+ / =`. */
const base64Token = () => randomBytes(32).toString('base64');
const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${token(64)}`;

/** Secrets the demo's embedded systems accept (shown to the SDK, never printed). */
export const DEMO_SECRET = 'demo secret: with + and %';

/** The systems, by `--system` name. `default` is the generic story. */
export const EMULATIONS: Record<string, Emulation> = {
  default: {
    name: 'default',
    title: 'a generic OAuth 2.0 server (string expires_in, lower-case bearer, a trailing comma)',
    quirks: [
      'POST /oauth/token, Basic client credentials (form-encoded per RFC 6749 §2.3.1)',
      'answers {"expires_in":"60","token_type":"bearer",…,} (string, lower case, trailing comma)',
      'logoff: DELETE /oauth/token with the bearer token',
    ],
    profileCall:
      "new TokenManager({ tokenUrl: `${base}/oauth/token`, clientId: 'demo-client', clientSecret, baseUrl: base, logoff: { style: 'bearer', url: '/oauth/token', method: 'DELETE' } })",
    options: (origin) => ({
      tokenUrl: `${origin}/oauth/token`,
      clientId: 'demo-client',
      clientSecret: DEMO_SECRET,
      baseUrl: origin,
      logoff: { style: 'bearer', url: '/oauth/token', method: 'DELETE' },
    }),
    call: { path: '/api/items' },
    renewal: 'refresh_token',
    logoffRequest: true,
    rejectedLooksLike: '401 WWW-Authenticate: Bearer error="invalid_token"',
  },
  jim2: {
    name: 'jim2',
    title: 'Jim2Server (Jim2 Business Engine Web API)',
    quirks: [
      'the token URL sits under a site path: http://…/Jim_Test/token (plain http)',
      'scope "all" takes a user licence while the session lives (this emulation has 1 licence)',
      'logoff: POST {base}api/v1/logoff with the bearer token releases the licence',
    ],
    profileCall: "jim2({ baseUrl: `${base}/Jim_Test/`, clientId: 'TestClientId', clientSecret })",
    options: (origin) => jim2({ baseUrl: `${origin}/Jim_Test/`, clientId: 'TestClientId', clientSecret: DEMO_SECRET }),
    call: { path: 'api/v1/cardfilecreate', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"Name":"Acme Pty Ltd"}' } },
    renewal: 'refresh_token',
    logoffRequest: true,
    rejectedLooksLike: '401 {"Message":"Authorization has been denied for this request."}',
  },
  veeam: {
    name: 'veeam',
    title: 'Veeam Recovery Orchestrator REST API',
    quirks: [
      'POST /api/token, password grant with a DOMAIN\\user name (form-encoded: vdro%5Cadministrator)',
      'answers token_type "bearer" (lower case) and refresh tokens holding + / =, with a trailing comma',
      'logoff: DELETE /api/token with the bearer token, answered 204',
    ],
    profileCall: "veeamRecoveryOrchestrator({ baseUrl: base, username: 'vdro\\\\administrator', password })",
    options: (origin) => veeamRecoveryOrchestrator({ baseUrl: origin, username: 'vdro\\administrator', password: DEMO_SECRET }),
    call: { path: '/api/v7.2/Clients' },
    renewal: 'refresh_token',
    logoffRequest: true,
    rejectedLooksLike: '401 "authorization header expected but not found (or found but expired)"',
  },
  infolink: {
    name: 'infolink',
    title: 'InfoLink',
    quirks: [
      'POST /api/v1/oauth2/token, client credentials in the body; refresh sends only the refresh token',
      'an expired token gets {"result":{"code":"invalid_grant",…},"status":"error"} with HTTP 200',
      'no logoff endpoint: logoff only forgets locally',
    ],
    profileCall: 'infolink({ baseUrl: base, clientId, clientSecret })',
    options: (origin) => infolink({ baseUrl: origin, clientId: '9605c5d5-2a1b-49cc-8aaa-b350ee9d86b6', clientSecret: DEMO_SECRET }),
    call: { path: 'api/v1/executeJob', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jobName":"LoadData"}' } },
    renewal: 'refresh_token',
    logoffRequest: false,
    rejectedLooksLike: '200 {"result":{"code":"invalid_grant",…},"status":"error"}',
  },
  'bright-pattern': {
    name: 'bright-pattern',
    title: 'Bright Pattern Contact Center configuration API',
    quirks: [
      'POST /configapi/v2/oauth/token with scope = the tenant host name (one value, never split)',
      'answers "expires_in":"3599" as a string, a JWT access token, a trailing comma; no refresh token',
      'no logoff endpoint; renewal is a new client_credentials grant',
    ],
    profileCall: "brightPattern({ tenantHost: 'demo.brightpattern.example', clientId: 'sheila.thomas', clientSecret, baseUrl: base })",
    options: (origin) => brightPattern({ tenantHost: 'demo.brightpattern.example', clientId: 'sheila.thomas', clientSecret: DEMO_SECRET, baseUrl: origin }),
    call: { path: '/configapi/v2/user' },
    renewal: 'client_credentials',
    logoffRequest: false,
    rejectedLooksLike: '401 WWW-Authenticate: Bearer error="invalid_token"',
  },
  aspnet: {
    name: 'aspnet',
    title: "ASP.NET Web API api/v1/auth/token facade (DealDirect's API, Keycloak-shaped)",
    quirks: [
      'POST /api/v1/auth/token with a JSON body: "WindowsAuthentication": false (a JSON boolean)',
      'answers XML unless Accept: application/json; Keycloak extras (refresh_expires_in, session_state, …)',
      'no logoff endpoint',
    ],
    profileCall: "aspnetAuthToken({ baseUrl: base, clientId: 'portal', clientSecret, username: 'jan.novak', password })",
    options: (origin) => aspnetAuthToken({ baseUrl: origin, clientId: 'portal', clientSecret: DEMO_SECRET, username: 'jan.novak', password: DEMO_SECRET }),
    call: { path: '/api/v1/profile' },
    renewal: 'refresh_token',
    logoffRequest: false,
    rejectedLooksLike: '401 {"Message":"Authorization has been denied for this request."}',
  },
};

/** Server-side state of an emulated system. */
export class EmulatedServer {
  readonly counts = { token: 0, api: 0, logoff: 0 };
  /** Path of the last API request as it arrived (a relative `tm.fetch` path resolved under `baseUrl`). */
  lastApiPath = '';
  /** Live access tokens → session id. */
  readonly #access = new Map<string, number>();
  /** Live refresh tokens → session id. */
  readonly #refresh = new Map<string, number>();
  /** Open sessions (Jim2: licences held). */
  readonly sessions = new Set<number>();
  #serial = 0;
  readonly #log: (line: string) => void;

  constructor(
    readonly system: Emulation,
    log: (line: string) => void,
  ) {
    this.#log = log;
  }

  /** The server drops every access token (expiry, another login, an admin, a restart); sessions and refresh tokens stay. */
  forgetAccessTokens(): void {
    this.#access.clear();
  }

  handle(req: WireRequest): WireAnswer {
    const s = this.system.name;
    const path = req.path.split('?')[0]!;
    const tokenPath = {
      default: '/oauth/token',
      jim2: '/Jim_Test/token',
      veeam: '/api/token',
      infolink: '/api/v1/oauth2/token',
      'bright-pattern': '/configapi/v2/oauth/token',
      aspnet: '/api/v1/auth/token',
    }[s]!;
    const logoff = { default: 'DELETE /oauth/token', jim2: 'POST /Jim_Test/api/v1/logoff', veeam: 'DELETE /api/token' }[s as 'default' | 'jim2' | 'veeam'];
    if (req.method === 'POST' && path === tokenPath) return this.#token(req);
    if (logoff !== undefined && `${req.method} ${path}` === logoff) return this.#logoff(req);
    return this.#api(req);
  }

  #token(req: WireRequest): WireAnswer {
    this.counts.token++;
    const s = this.system.name;
    const fields = readBody(req);
    this.#log(`→ ${req.method} ${req.path}  ${req.headers['content-type']?.split(';')[0]}  authorization: ${redactAuthorization(req.headers.authorization)}`);
    this.#log(`  ${redactFields(fields, !/json/i.test(req.headers['content-type'] ?? ''))}`);
    const quirk = this.#checkQuirks(req, fields);
    if (quirk !== undefined) return quirk;
    const grant = String(fields.grant_type);
    let session: number;
    if (grant === 'refresh_token') {
      const rt = String(fields.refresh_token);
      const found = this.#refresh.get(rt);
      if (found === undefined) return this.#answer(400, '{"error":"invalid_grant","error_description":"refresh token expired"}');
      // Rotation: every refresh hands out a new refresh token and retires the old one.
      this.#refresh.delete(rt);
      session = found;
    } else {
      if (s === 'jim2' && this.sessions.size >= 1) return this.#answer(400, '{"error":"invalid_grant","error_description":"No user licences are available"}');
      session = ++this.#serial;
      this.sessions.add(session);
    }
    const access = s === 'bright-pattern' || s === 'aspnet' ? jwt({ sub: 'demo', exp: Math.floor(Date.now() / 1000) + LIFETIMES[s]!, jti: token(8) }) : token();
    this.#access.set(access, session);
    const refresh = s === 'bright-pattern' ? undefined : s === 'veeam' ? base64Token() : token();
    if (refresh !== undefined) this.#refresh.set(refresh, session);
    const body = this.#tokenAnswer(access, refresh);
    return this.#answer(200, body.text, body.type);
  }

  /** The request details each system insists on; a wrong profile fails here, loudly. */
  #checkQuirks(req: WireRequest, fields: Record<string, unknown>): WireAnswer | undefined {
    switch (this.system.name) {
      case 'aspnet':
        if (!/json/i.test(req.headers['content-type'] ?? '') || fields.WindowsAuthentication !== false)
          return this.#answer(400, '{"Message":"The request is invalid."}');
        if (!/application\/json/i.test(req.headers.accept ?? ''))
          return this.#answer(406, '{"Message":"this demo only speaks JSON; the real server would answer XML"}');
        return undefined;
      case 'bright-pattern':
        return fields.scope === 'demo.brightpattern.example'
          ? undefined
          : this.#answer(400, '{"error":"invalid_scope","error_description":"scope must be the tenant host"}');
      case 'veeam':
        return fields.grant_type !== 'password' || fields.username === 'vdro\\administrator' ? undefined : this.#answer(400, '{"error":"invalid_grant"}');
      case 'jim2':
      case 'infolink':
        // Body credentials, except InfoLink's documented refresh, which carries none.
        return fields.grant_type === 'refresh_token' && this.system.name === 'infolink'
          ? undefined
          : fields.client_secret === DEMO_SECRET
            ? undefined
            : this.#answer(401, '{"error":"invalid_client"}');
      default:
        return req.headers.authorization?.startsWith('Basic ') ? undefined : this.#answer(401, '{"error":"invalid_client"}');
    }
  }

  /** Each system's answer shape, byte for byte as its documentation prints it. */
  #tokenAnswer(access: string, refresh: string | undefined): { text: string; type?: string } {
    const LIFETIME_S = LIFETIMES[this.system.name]!;
    switch (this.system.name) {
      case 'veeam':
        return { text: `{ "access_token": "${access}", "token_type": "bearer", "expires_in": ${LIFETIME_S}, "refresh_token": "${refresh}", }` };
      case 'infolink':
        return { text: JSON.stringify({ access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: LIFETIME_S }) };
      case 'bright-pattern':
        return { text: `{\n"access_token":"${access}",\n"token_type":"Bearer",\n"expires_in":"${LIFETIME_S}",\n}` };
      case 'aspnet':
        return {
          text: JSON.stringify({
            access_token: access,
            expires_in: LIFETIME_S,
            redirect_url: 'https://app.example/',
            ip: '127.0.0.1',
            is_editor: true,
            refresh_expires_in: 1800,
            refresh_token: refresh,
            token_type: 'bearer',
            not_before_policy: 0,
            session_state: 'c0ffee00-demo',
            scope: 'profile email',
          }),
        };
      case 'jim2':
        return { text: JSON.stringify({ access_token: access, token_type: 'bearer', expires_in: LIFETIME_S, refresh_token: refresh }) };
      default:
        return { text: `{"access_token":"${access}","token_type":"bearer","expires_in":"${LIFETIME_S}","refresh_token":"${refresh}",}` };
    }
  }

  #answer(status: number, text: string, type = 'application/json'): WireAnswer {
    let shown = text;
    try {
      shown = `{${redactFields(JSON.parse(text.replace(/,\s*}$/, '}')) as Record<string, unknown>)}}`;
    } catch {
      // not JSON: print as is (error bodies hold no secrets)
    }
    this.#log(`← ${status} ${shown}`);
    return { status, headers: { 'content-type': type }, body: text };
  }

  #api(req: WireRequest): WireAnswer {
    this.counts.api++;
    this.lastApiPath = req.path;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && this.#access.has(bearer)) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: this.system.name === 'infolink' ? '{"result":{"jobId":42},"status":"success"}' : '{"ok":true}',
      };
    }
    const rejected = this.system.rejectedLooksLike;
    this.#log(`→ ${req.method} ${req.path}  authorization: ${redactAuthorization(req.headers.authorization)}`);
    this.#log(`← ${rejected}`);
    switch (this.system.name) {
      case 'infolink':
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: '{"result":{"code":"invalid_grant","message":"Credentials or token is invalid or expired"},"status":"error"}',
        };
      case 'jim2':
      case 'aspnet':
        return { status: 401, headers: { 'content-type': 'application/json' }, body: '{"Message":"Authorization has been denied for this request."}' };
      case 'veeam':
        return {
          status: 401,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"Unauthorized","message":"Authorization header expected but not found (or found but expired)."}',
        };
      default:
        return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    }
  }

  #logoff(req: WireRequest): WireAnswer {
    this.counts.logoff++;
    this.#log(`→ ${req.method} ${req.path}  authorization: ${redactAuthorization(req.headers.authorization)}`);
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const session = this.#access.get(bearer);
    if (session === undefined) {
      this.#log('← 401 (already logged off)');
      return { status: 401 };
    }
    this.sessions.delete(session);
    for (const map of [this.#access, this.#refresh]) for (const [k, v] of map) if (v === session) map.delete(k);
    const status = this.system.name === 'jim2' ? 200 : 204;
    this.#log(`← ${status} (session ended${this.system.name === 'jim2' ? ', licence released' : ''})`);
    return { status };
  }
}
