/**
 * What a zod issue found in the options says, in tokenward's form: "must be ..." (the caller adds the
 * option's name and what was given). A zod error map: it replaces zod's English locale ("Invalid input:
 * expected number, received string"), which the package no longer bundles.
 * @module
 */
import type * as z from 'zod/mini';

/** What zod's `invalid_type` names, as a person would say it. */
const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  record: 'an object of names and values',
  function: 'a function',
};

/** What a size limit counts, by the kind of value zod checked. */
const UNITS: Readonly<Record<string, string>> = { string: 'characters', array: 'items', set: 'items' };

/** The wording of one issue; `undefined` keeps a message the schema gave (`custom` issues, a union's `error`). */
export function optionIssueWording(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      // zod calls NaN and ±Infinity "not a number": say why they are refused.
      if (issue.expected === 'number' && typeof issue.input === 'number') return 'must be a finite number';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const unit = UNITS[issue.origin];
      if (unit !== undefined) return Number(issue.minimum) === 1 ? 'must not be empty' : `must have at least ${issue.minimum} ${unit}`;
      return issue.inclusive ? `must be at least ${issue.minimum}` : `must be greater than ${issue.minimum}`;
    }
    case 'too_big': {
      const unit = UNITS[issue.origin];
      if (unit !== undefined) return `must have at most ${issue.maximum} ${unit}`;
      return issue.inclusive ? `must be at most ${issue.maximum}` : `must be less than ${issue.maximum}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue ? `must match ${String(issue.pattern)}` : `must be a valid ${issue.format}`;
    case 'invalid_key':
      return 'must have non-empty names';
    case 'invalid_union':
      return 'is not valid';
    default:
      return undefined;
  }
}
