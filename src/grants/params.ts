/**
 * `grantParams`: fields added to a grant's requests (an extension grant's own parameters, Entra's
 * `requested_token_use`), each a string or a function called for every request.
 * @module
 */
import type { GrantValue } from '../options-grants.js';
import type { Grant } from './grant.js';
import { grantValue } from './value.js';

/**
 * `grant` with `params` appended to its fields (never replacing one it set). Every value counts as a
 * secret and is scrubbed from answers: an extension grant's parameters are often credentials
 * (`device_code`, an attestation), and tokenward cannot tell which.
 */
export function withGrantParams(grant: Grant, params: Readonly<Record<string, GrantValue>>): Grant {
  const entries = Object.entries(params);
  if (entries.length === 0) return grant;
  const configured = entries.filter((e): e is [string, string] => typeof e[1] === 'string').map(([, value]) => value);
  return {
    name: grant.name,
    secrets: [...grant.secrets, ...configured],
    async request(parameters, target) {
      const own = await grant.request(parameters, target);
      const fields: Record<string, string | undefined> = { ...own.fields };
      const secrets = [...own.secrets];
      for (const [name, value] of entries) {
        if (fields[name] !== undefined) continue;
        const resolved = await grantValue(value, `grantParams.${name}`);
        fields[name] = resolved;
        if (resolved !== undefined) secrets.push(resolved);
      }
      return { fields, secrets };
    },
  };
}
