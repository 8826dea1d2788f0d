/**
 * The part of simple-oauth2 5.x that the migration guide and `bench/compare.bench.ts` use, typed from its
 * source (lib/*.js) and README. simple-oauth2 ships no types, and `@types/simple-oauth2` is not a
 * dependency here; if it becomes one, delete this file.
 */
declare module 'simple-oauth2' {
  /** Options of every grant class (validated by Joi in the constructor). */
  export interface ModuleOptions {
    client: { id: string; secret: string; idParamName?: string; secretParamName?: string };
    auth: { tokenHost: string; tokenPath?: string; refreshPath?: string; revokePath?: string };
    /** Options for its HTTP client, @hapi/wreck (`baseUrl` is forbidden). */
    http?: Record<string, unknown>;
    options?: {
      scopeSeparator?: string;
      credentialsEncodingMode?: 'strict' | 'loose';
      bodyFormat?: 'form' | 'json';
      authorizationMethod?: 'header' | 'body';
    };
  }

  /** The token endpoint's JSON with `expires_at` (a `Date`) added when it had `expires_in`. */
  export interface Token {
    access_token: string;
    refresh_token?: string;
    expires_at?: Date;
    [key: string]: unknown;
  }

  export interface AccessToken {
    readonly token: Readonly<Token>;
    /** True when the token expires within `expirationWindowSeconds` (default 0). */
    expired(expirationWindowSeconds?: number): boolean;
    refresh(params?: { scope?: string | string[]; [key: string]: unknown }, httpOptions?: Record<string, unknown>): Promise<AccessToken>;
    revoke(tokenType: 'access_token' | 'refresh_token', httpOptions?: Record<string, unknown>): Promise<void>;
    /** Revokes the access token, then the refresh token. */
    revokeAll(httpOptions?: Record<string, unknown>): Promise<void>;
    toJSON(): Token;
  }

  export class ClientCredentials {
    constructor(options: ModuleOptions);
    getToken(params?: { scope?: string | string[]; [key: string]: unknown }, httpOptions?: Record<string, unknown>): Promise<AccessToken>;
    createToken(token: Record<string, unknown>): AccessToken;
  }

  export class ResourceOwnerPassword {
    constructor(options: ModuleOptions);
    getToken(
      params: { username: string; password: string; scope?: string | string[]; [key: string]: unknown },
      httpOptions?: Record<string, unknown>,
    ): Promise<AccessToken>;
    createToken(token: Record<string, unknown>): AccessToken;
  }
}
