/**
 * The shape check of the options, and the problems it finds written as messages that name the option,
 * what was expected and (for non-secrets) what was given.
 *
 * Each option's value is checked by its own zod schema (`options-fields.ts`), built when an options
 * object first holds that option; the unknown-option check, which a strict zod object would make
 * against all of them, is made here against the table's names. zod's "mini" build, whose functions
 * tree-shake: the package bundles only the validators in use instead of loading all of zod at import.
 * @module
 */
import type { $ZodIssue } from 'zod/v4/core';
import { FIELDS, fieldSchema, type OptionName, type ParsedOptions } from './options-fields.js';
import { SECRET_GRANT_OPTIONS } from './options-grants.js';
import { optionIssueWording } from './options-wording.js';

export type { ParsedOptions } from './options-fields.js';

/** Options whose values must never be echoed in an error message. */
const SECRET_OPTIONS = new Set<string>(['clientSecret', 'password', 'privateKey', 'tls', 'proxy', 'clientAssertion', 'dpop', ...SECRET_GRANT_OPTIONS]);

const OPTION_NAMES = Object.keys(FIELDS) as OptionName[];
const KNOWN = new Set<string>(OPTION_NAMES);

/**
 * Checks the shape of `input`: the parsed options, or one message per problem found (each naming the
 * option; a secret option's value is never shown), in the table's order, unknown options last.
 */
export function parseOptions(input: object): { ok: true; options: ParsedOptions } | { ok: false; problems: string[] } {
  const given = input as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of OPTION_NAMES) {
    // Every option is optional: `undefined` is as good as absent (unset credentials are caught before).
    const value = given[name];
    if (value === undefined) continue;
    // jitless: each schema runs once per manager, so compiling a fast path for it would only cost time.
    const parsed = fieldSchema(name).safeParse(value, { jitless: true });
    if (parsed.success) {
      options[name] = parsed.data;
      continue;
    }
    // Worded for a failure only: a message per issue costs nothing on the path every manager takes.
    const worded = fieldSchema(name).safeParse(value, { error: optionIssueWording, jitless: true });
    let previous: string | undefined;
    for (const issue of worded.error?.issues ?? []) {
      // A record's bad key is the record's problem (the key would end the path as `grantParams.`).
      const path = [name, ...(issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path)];
      // One problem per option: zod also calls `[]`, given for a non-empty string, "empty".
      const where = path.join('.');
      if (where === previous && issue.code !== 'unrecognized_keys') continue;
      previous = where;
      problems.push(describeIssue({ ...issue, path } as $ZodIssue, given));
    }
  }
  // As a strict zod object does: every enumerable key, inherited ones too, in the order `for...in` gives.
  const unknown: string[] = [];
  for (const key in given) if (!KNOWN.has(key)) unknown.push(key);
  if (unknown.length > 0) problems.push(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')}`);
  return problems.length === 0 ? { ok: true, options: options as ParsedOptions } : { ok: false, problems };
}

function describeIssue(issue: $ZodIssue, input: Record<string, unknown>): string {
  const path = issue.path.map(String).join('.');
  const top = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys')
    return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')} in \`${path}\``;
  let value: unknown = input;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
  // A secret's value is never shown, only what kind of value it was.
  const given = `, got ${SECRET_OPTIONS.has(top) ? describeKind(value) : describeValue(value)}`;
  const message = issue.code === 'invalid_value' ? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : issue.message;
  return `option \`${path}\` ${message}${message.includes(', got ') ? '' : given}`;
}

function describeKind(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return value === undefined ? 'undefined' : `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
