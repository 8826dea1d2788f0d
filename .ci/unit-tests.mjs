#!/usr/bin/env node
// Prints the "unit" test files, one per line: the ones `.ci/run` also runs on Node 22 and 24.
//
// The rule: a test file is a unit test unless it, or a local module it imports (followed through
// relative imports), starts another process (it mentions `child_process`: node, npm, tsx, openssl
// children; or `redis-server`) or runs the TypeScript compiler (it imports `typescript`: what that
// checks does not depend on the Node version, and it is the slowest thing in the suite). Unit tests
// run inside the vitest worker alone; loopback sockets and in-process servers are fine. A new test
// file is classified by what it does, not by a list.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NOT_UNIT = /\bchild_process\b|\bredis-server\b|from 'typescript'/;
const RELATIVE_IMPORT = /\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

const verdicts = new Map();

/** Whether `file` (absolute) or anything it imports relatively starts a process or the compiler. */
function notUnit(file) {
  if (verdicts.has(file)) return verdicts.get(file);
  verdicts.set(file, false); // an import cycle adds nothing
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  let verdict = NOT_UNIT.test(text);
  for (const [, spec] of text.matchAll(RELATIVE_IMPORT)) {
    if (verdict) break;
    verdict = notUnit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  verdicts.set(file, verdict);
  return verdict;
}

const tests = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join(root, 'test', f))
  .sort();
for (const file of tests) if (!notUnit(file)) console.log(relative(root, file));
