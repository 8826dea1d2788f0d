/**
 * buildTokenRequest: the exact bytes of a token request, for every grant, client-auth style and body format.
 */
import { describe, expect, it } from 'vitest';
import { buildTokenRequest } from '../src/index.js';

const url = 'https://vro.example:9898/api/token';

describe('buildTokenRequest', () => {
  it('password grant, no client auth: DOMAIN\\user is form-encoded, Accept is JSON', () => {
    expect(
      buildTokenRequest({ tokenUrl: url, grant: { grant_type: 'password', username: 'vdro\\administrator', password: 'Password1' }, clientAuth: 'none' }),
    ).toEqual({
      url,
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=vdro%5Cadministrator&password=Password1',
    });
  });

  it('refresh tokens with + / = are percent-encoded', () => {
    const req = buildTokenRequest({ tokenUrl: url, grant: { grant_type: 'refresh_token', refresh_token: 'Yp5SaGYSR6Ch+Df9ixO/LtAsOD0=' }, clientAuth: 'none' });
    expect(req.body).toBe('grant_type=refresh_token&refresh_token=Yp5SaGYSR6Ch%2BDf9ixO%2FLtAsOD0%3D');
    expect(new URLSearchParams(req.body).get('refresh_token')).toBe('Yp5SaGYSR6Ch+Df9ixO/LtAsOD0=');
  });

  it('the token URL is used exactly as given (site path, plain http, query)', () => {
    expect(buildTokenRequest({ tokenUrl: 'http://localhost/Jim_Test/token', grant: { grant_type: 'client_credentials' }, clientAuth: 'none' }).url).toBe(
      'http://localhost/Jim_Test/token',
    );
    expect(buildTokenRequest({ tokenUrl: new URL('https://h/t?tenant=a'), grant: { grant_type: 'client_credentials' }, clientAuth: 'none' }).url).toBe(
      'https://h/t?tenant=a',
    );
  });

  it('basic: the Authorization header, no credentials in the body', () => {
    const req = buildTokenRequest({
      tokenUrl: url,
      grant: { grant_type: 'client_credentials' },
      clientAuth: 'basic',
      clientId: 'id',
      clientSecret: 's p',
      scope: 'view',
    });
    expect(req.headers).toEqual({
      accept: 'application/json',
      authorization: `Basic ${Buffer.from('id:s+p').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(req.body).toBe('grant_type=client_credentials&scope=view');
  });

  it("basic with basicEncoding 'none'", () => {
    const req = buildTokenRequest({
      tokenUrl: url,
      grant: { grant_type: 'client_credentials' },
      clientAuth: 'basic',
      clientId: 'id',
      clientSecret: 's p',
      basicEncoding: 'none',
    });
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('id:s p').toString('base64')}`);
  });

  it('body: client_id and client_secret in the body, encoded', () => {
    const req = buildTokenRequest({
      tokenUrl: url,
      grant: { grant_type: 'client_credentials' },
      clientAuth: 'body',
      clientId: 'a b',
      clientSecret: 'iGuL5/Rf+1y=',
      scope: 'example.com',
    });
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toBe('grant_type=client_credentials&scope=example.com&client_id=a+b&client_secret=iGuL5%2FRf%2B1y%3D');
  });

  it('none: only client_id', () => {
    expect(
      buildTokenRequest({ tokenUrl: url, grant: { grant_type: 'client_credentials' }, clientAuth: 'none', clientId: 'pub', clientSecret: 'ignored' }).body,
    ).toBe('grant_type=client_credentials&client_id=pub');
  });

  it('an empty scope is not sent; undefined grant fields are skipped', () => {
    expect(
      buildTokenRequest({ tokenUrl: url, grant: { grant_type: 'password', username: 'u', password: undefined }, clientAuth: 'none', scope: '' }).body,
    ).toBe('grant_type=password&username=u');
  });

  it('params come last, are stringified in forms, and never override grant or client fields', () => {
    const req = buildTokenRequest({
      tokenUrl: url,
      grant: { grant_type: 'client_credentials' },
      clientAuth: 'body',
      clientId: 'real',
      clientSecret: 'sec',
      params: { audience: 'https://api/', grant_type: 'evil', client_id: 'evil', WindowsAuthentication: false, n: 3 },
    });
    expect(req.body).toBe('grant_type=client_credentials&client_id=real&client_secret=sec&audience=https%3A%2F%2Fapi%2F&WindowsAuthentication=false&n=3');
  });

  it('JSON bodies keep numbers and booleans typed (seed 004)', () => {
    const req = buildTokenRequest({
      tokenUrl: 'https://api.example.com/api/v1/auth/token',
      grant: { grant_type: 'password', username: 'DOMAIN\\me', password: 'p"w' },
      clientAuth: 'body',
      clientId: 'c',
      clientSecret: 's',
      scope: 'openid',
      params: { WindowsAuthentication: true, retries: 2 },
      bodyFormat: 'json',
    });
    expect(req.headers).toEqual({ accept: 'application/json', 'content-type': 'application/json' });
    expect(req.body).toBe(
      '{"grant_type":"password","username":"DOMAIN\\\\me","password":"p\\"w","scope":"openid","client_id":"c","client_secret":"s","WindowsAuthentication":true,"retries":2}',
    );
    expect(JSON.parse(req.body)).toMatchObject({ WindowsAuthentication: true, retries: 2, username: 'DOMAIN\\me' });
  });

  it('JSON with Basic: credentials only in the header', () => {
    const req = buildTokenRequest({
      tokenUrl: url,
      grant: { grant_type: 'client_credentials' },
      clientAuth: 'basic',
      clientId: 'c',
      clientSecret: 's',
      bodyFormat: 'json',
    });
    expect(req.body).toBe('{"grant_type":"client_credentials"}');
    expect(req.headers.authorization).toMatch(/^Basic /);
  });

  it('non-ASCII values are UTF-8 percent-encoded', () => {
    expect(buildTokenRequest({ tokenUrl: url, grant: { grant_type: 'password', username: 'zoë', password: 'пароль 1' }, clientAuth: 'none' }).body).toBe(
      'grant_type=password&username=zo%C3%AB&password=%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C+1',
    );
  });
});
