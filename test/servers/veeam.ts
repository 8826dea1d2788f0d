/**
 * Veeam Recovery Orchestrator REST API v7.2 (formerly Disaster Recovery Orchestrator), as seed 001
 * ("Example Requests and Responses") describes it.
 *
 * - `POST https://uwin2012r2.n.local:9898/api/token`, form-encoded, credentials in the body only.
 * - `grant_type=password&username=vdro\administrator&password=Password1` (the page prints the backslash
 *   raw; a client sends `vdro%5Cadministrator`), `grant_type=client_credentials&client_id=…&client_secret=…`
 *   and `grant_type=refresh_token&refresh_token=aUCl…%3D`.
 * - Answers: `"token_type": "bearer"` (lower case), `"expires_in": 899`, refresh tokens in base64 with
 *   `+ / =`; the client_credentials sample has a trailing comma before `}`. They are replayed verbatim.
 * - `GET|POST /api/v7.2/Clients` and `DELETE /api/v7.2/Clients?clientId=…` with the bearer token.
 * - Log off: `DELETE /api/token` with the bearer token (success status not shown; sibling Veeam APIs
 *   answer 204). Access tokens last 15 minutes and refresh tokens 120 by default (Web.config).
 *
 * Not documented, chosen as an OWIN server answers: token errors as RFC 6749 JSON with status 400; a
 * request with a missing, expired or logged-off token gets 401 (the resource pages say "authorization
 * header expected but not found (or found but expired)").
 */
import { HttpResponse, http } from 'msw';
import { bearerToken, formFields, type LoggedRequest, logRequest, rawJson, type SeedServer, TokenBook } from './common.js';

export const VEEAM_BASE = 'https://uwin2012r2.n.local:9898';
export const VEEAM_USERNAME = 'vdro\\administrator';
export const VEEAM_PASSWORD = 'Password1';
export const VEEAM_CLIENT_ID = '58b91a67-4aca-490f-aeac-2ea11eadceaa';
export const VEEAM_CLIENT_SECRET = 'iGuL5owQoVbN/RfaWYPTjh4QHT+1ylQlqiwKR+PS/jA=';

/** The page's answer to the password grant (one line, as printed). */
export const VEEAM_PASSWORD_ANSWER =
  '{ "access_token": "0G072fREAFX3G2hIOQYiCLxvx-NvSra2GtQMxUHHPFsh9a3RNmI2R6VI6evgdvIopQSLo6nAy_SvZ6YnQagc5vlJOcSzfMjU3LiRxUuE7VdTydd4Br6mpMCmxaGTIrFhnrhiBKqqVbhcXiVppx-lLOjFzO379fsyyXspmnnuhjzHdlTKTa4V5VDKrtpfoOZyiz1Pa8_r9JtPc0D6vldUbQ-bEskoXkZGbyEOb4kYk8XqLm69GGTmn4bO8_da2fPwH4yjj2yP5vxmTZi3Rto47YyPbW98l2-s4ocd3nJXsHYD-csU1U4zCTzfLENKR_JB", "token_type": "bearer", "expires_in": 899, "refresh_token": "Yp5SaGYSR6ChFkr9T5LJ2PcNNGAR+Df9ixOALtAsOD0=" }';
/** The page's answer to the client_credentials grant, trailing comma included. */
export const VEEAM_CLIENT_CREDENTIALS_ANSWER =
  '{ "access_token": "RknUZHexLF2i_TyAqusCrT0UwTosECThrK-ZDKCrkLlKClG19Wmrr0CCMvas0wvddmbeVy345I404g52Ck26gDGKI1YuAjI6vYQZf78D_cE6MIrdqF6ckQRZkGtpInk8NO_pwAllhcowDfIgEOHZ39mTvUVVgkMovKrA_4az2E50G1-IRctPcdK3ivrJHrsUaG5oIg69YRrh_uPrFMXYk2xIEfoO8ehNsB_Vm1S_ngjMS2I6DICG4cPQboc7efO3L-BBxwnyj4lNYOSvIztkQxDuYAw5f06efHfwbP_ZksGmRZWUZcHvDVVUJZ3YJiQg7977LeyK9cQ847-nKIwlBw2jRR0MTstsgLIe44RLlyY", "token_type": "bearer", "expires_in": 899, "refresh_token": "aUCl0dAA9FNg1FR3f1ShgzoznDTZIxGKjrtSzIabtoo=", }';
/** The page's answer to `grant_type=refresh_token&refresh_token=aUCl0dAA9FNg1FR3f1ShgzoznDTZIxGKjrtSzIabtoo%3D`. */
export const VEEAM_REFRESH_ANSWER =
  '{ "access_token": "YSEoaL6H9EEyJpnrJ9WhLtzbrrBBYWqMQFDBQuLnp13qGQX6MjNfZ_wriPIRHQrbY-8dYtsWcRZQczIHVuSqbnVb00m-yOihPZZHQ48aP1VcgUtgnYTvtAO3WRJ1cJ8VaIXzsVYKIGrLa1Lm41LsjpMiiPZytkqIUUiphhlXn7Vm10xlTzQUe0TU3HmXK-KD2MiB6qBImaISkEjgCmyIsurSN2mHi1Qo8VlZadnhkBd3v6nD5GEb8Gh4Zw7YAv5klmrnM0iBu7xhev2hVMZvKHGXvGshI3gS24-hIWbSsBGarVnRLSiUzor6QExTGShSa7pIeJWsAtJXLF5a3oSUooUv_YMYe8d5iZEouUuirrw", "token_type": "bearer", "expires_in": 899, "refresh_token": "vbGuPkz7XLS1p5PQ3EARoGGKJKFMdgBbIi6fH79WQac=" }';
/** The refresh token the refresh sample sends (from the client_credentials answer). */
export const VEEAM_SAMPLE_REFRESH_TOKEN = 'aUCl0dAA9FNg1FR3f1ShgzoznDTZIxGKjrtSzIabtoo=';
/** `POST /api/v7.2/Clients` answer. */
export const VEEAM_NEW_CLIENT_ANSWER =
  '{ "client_id": "4a346f40-d4b6-4ed8-913d-d6e1297a75a4", "client_secret": "AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA88p/hgiPqUG5Ianexa8klAQAAAACAAAAAAAQZgAAAAEAACAAAAAKaqFPz0480AeOmARrLL9l76H8x22PD98B7BSTzkIO8gAAAAAOgAAAAAIAACAAAABPK3q/7A6EWS2KVvXTWiz4O7xrdoPNBk2qiY43MOuGVjAAAACPhL6JAEQCTYTItygVLo8i16ZdzdPXZ3l1KM6XBrDKbEyAKLFHmeb4jV5Deo0jKWNAAAAAdi7slKgOZR6JTqseaK3uHAXOxknjagjBStrZ61EPeYp23R28tlzq6FiZ/JW76XJ4yqHj96t2Q8XSijhzKFV5KA==" }';
/** `GET /api/v7.2/Clients` answer. */
export const VEEAM_CLIENTS_ANSWER =
  '[ "4a346f40-d4b6-4ed8-913d-d6e1297a75a4", "b2845041-53ce-4335-b157-bcf9b08740c8", "98e3c3cc-5945-4b30-9e89-6066e5159502", "3ace3638-3810-4f0f-92e6-d700ad5df6ba", "06af349a-acba-4f42-9f81-721489bcae4c" ]';

/** Options of {@link veeamServer}. */
export interface VeeamOptions {
  /** @default 'https://uwin2012r2.n.local:9898' */
  base?: string;
  /** Access-token lifetime the server enforces, seconds (`accessTokenExpireMinutes="15"`). @default 900 */
  accessLifetime?: number;
  /** Refresh-token lifetime, seconds (`refreshTokenExpireMinutes="120"`). @default 7200 */
  refreshLifetime?: number;
  /**
   * Replay the page's sample answers for the sample requests (default), or always mint fresh tokens
   * (end-to-end tests that acquire more than once want distinct tokens).
   */
  answers?: 'documented' | 'generated';
  /** A second login under the same account ends the first session (the page warns it can). @default false */
  singleSession?: boolean;
}

/** URLs of a Veeam mock. */
export interface VeeamUrls {
  base: string;
  token: string;
  /** `GET` lists, `POST` creates, `DELETE ?clientId=` deletes. */
  clients: string;
  /** `DELETE` with the bearer token. */
  logoff: string;
}

/** Builds the Veeam Recovery Orchestrator mock. */
export function veeamServer(options: VeeamOptions = {}): SeedServer<VeeamUrls> {
  const base = new URL(options.base ?? VEEAM_BASE);
  const urls: VeeamUrls = {
    base: base.origin,
    token: new URL('/api/token', base).href,
    clients: new URL('/api/v7.2/Clients', base).href,
    logoff: new URL('/api/token', base).href,
  };
  const accessLifetime = options.accessLifetime ?? 900;
  const refreshLifetime = options.refreshLifetime ?? 7200;
  const documented = (options.answers ?? 'documented') === 'documented';
  const requests: LoggedRequest[] = [];
  const tokens = new TokenBook();
  const usedSamples = new Set<string>();

  const oauthError = (error: string, description: string) => rawJson(JSON.stringify({ error, error_description: description }), 400);
  const unauthorized = () => rawJson('{"error":"Unauthorized","message":"Authorization header expected but not found (or found but expired)."}', 401);
  /** Sends the documented answer once per sample (a real server never repeats a token), else a fresh one. */
  const answer = (sample: string | undefined, subject: string) => {
    let text: string;
    if (documented && sample !== undefined && !usedSamples.has(sample)) {
      usedSamples.add(sample);
      text = sample;
    } else {
      const access = tokens.next('veeam-at');
      const refresh = `${Buffer.from(tokens.next('veeam-rt')).toString('base64')}+/=`;
      text = JSON.stringify({ access_token: access, token_type: 'bearer', expires_in: 899, refresh_token: refresh });
    }
    const parsed = JSON.parse(text.replace(/,\s*}/, '}')) as { access_token: string; refresh_token: string };
    if (options.singleSession) for (const v of tokens.valid('access')) if (tokens.meta(v)?.subject === subject) tokens.revoke(v);
    tokens.issue(parsed.access_token, 'access', accessLifetime, { subject, refresh: parsed.refresh_token });
    tokens.issue(parsed.refresh_token, 'refresh', refreshLifetime, { subject });
    return rawJson(text);
  };
  const authorized = (entry: LoggedRequest) => tokens.status(bearerToken(entry), 'access') === 'valid';

  const handlers = [
    http.post(urls.token, async ({ request }) => {
      const entry = await logRequest(requests, request);
      const f = formFields(entry);
      switch (f.grant_type) {
        case 'password':
          if (f.username?.toLowerCase() !== VEEAM_USERNAME || f.password !== VEEAM_PASSWORD)
            return oauthError('invalid_grant', 'The user name or password is incorrect.');
          return answer(VEEAM_PASSWORD_ANSWER, f.username);
        case 'client_credentials':
          if (f.client_id !== VEEAM_CLIENT_ID || f.client_secret !== VEEAM_CLIENT_SECRET)
            return oauthError('invalid_client', 'Client credentials are invalid.');
          return answer(VEEAM_CLIENT_CREDENTIALS_ANSWER, f.client_id);
        case 'refresh_token': {
          const rt = f.refresh_token;
          if (tokens.status(rt, 'refresh') !== 'valid') return oauthError('invalid_grant', 'The refresh token is invalid or expired.');
          tokens.revoke(rt!);
          return answer(rt === VEEAM_SAMPLE_REFRESH_TOKEN ? VEEAM_REFRESH_ANSWER : undefined, String(tokens.meta(rt!)?.subject));
        }
        default:
          return oauthError('unsupported_grant_type', `grant_type ${f.grant_type ?? '(none)'} is not supported.`);
      }
    }),

    http.delete(urls.logoff, async ({ request }) => {
      const entry = await logRequest(requests, request);
      const at = bearerToken(entry);
      if (!authorized(entry)) return unauthorized();
      tokens.revoke(at!);
      const rt = tokens.meta(at!)?.refresh;
      if (typeof rt === 'string') tokens.revoke(rt);
      return new HttpResponse(null, { status: 204 });
    }),

    http.get(urls.clients, async ({ request }) => {
      const entry = await logRequest(requests, request);
      return authorized(entry) ? rawJson(VEEAM_CLIENTS_ANSWER) : unauthorized();
    }),
    http.post(urls.clients, async ({ request }) => {
      const entry = await logRequest(requests, request);
      return authorized(entry) ? rawJson(VEEAM_NEW_CLIENT_ANSWER) : unauthorized();
    }),
    http.delete(urls.clients, async ({ request }) => {
      const entry = await logRequest(requests, request);
      if (!authorized(entry)) return unauthorized();
      return new URL(entry.url).searchParams.has('clientId') ? new HttpResponse(null, { status: 204 }) : rawJson('{"message":"clientId is required"}', 400);
    }),
  ];

  return { handlers, requests, tokens, urls, tokenRequests: () => requests.filter((r) => r.url === urls.token && r.method === 'POST') };
}
