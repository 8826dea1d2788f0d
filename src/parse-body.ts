/**
 * Tolerant parsing of token-endpoint answers: JSON (with a trailing comma or a BOM), form-encoded,
 * and XML (loaded lazily).
 * @module
 */
import { createRequire } from 'node:module';

/** What a body turned out to be. */
export type BodyKind = 'json' | 'form' | 'xml' | 'html' | 'empty' | 'text';

/** A parsed body: an object of fields, or `undefined` when it was not one. */
export interface ParsedBody {
  kind: BodyKind;
  fields: Record<string, unknown> | undefined;
}

/**
 * Parses a body by its first character and its content type, the first character winning when they
 * disagree (kanidm sends JSON as text/plain; some servers label a JSON token answer text/html; proxies
 * send HTML as anything). A body counts as HTML when it is not JSON and starts like an HTML page, or is
 * labelled HTML.
 */
export function parseBody(body: string, contentType: string | null | undefined): ParsedBody {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'empty', fields: undefined };
  const type = (contentType ?? '').toLowerCase();
  const first = trimmed[0];
  const html = type.includes('html');
  if (first === '{' || first === '[') {
    const value = parseJsonTolerant(trimmed);
    if (value !== undefined) return { kind: 'json', fields: isRecord(value) ? value : undefined };
    return { kind: html ? 'html' : 'text', fields: undefined };
  }
  if (html || /^<!doctype html|^<html/i.test(trimmed)) return { kind: 'html', fields: undefined };
  if (type.includes('json')) {
    const value = parseJsonTolerant(trimmed);
    if (value !== undefined) return { kind: 'json', fields: isRecord(value) ? value : undefined };
    return { kind: 'text', fields: undefined };
  }
  if (type.includes('xml') || first === '<') {
    const fields = parseXmlFields(trimmed);
    return { kind: fields ? 'xml' : 'text', fields };
  }
  if (type.includes('x-www-form-urlencoded') || (type.includes('text/plain') && /^[\w.%-]+=/.test(trimmed))) {
    return { kind: 'form', fields: Object.fromEntries(new URLSearchParams(trimmed)) };
  }
  return { kind: 'text', fields: undefined };
}

/**
 * `JSON.parse`, and on failure once more after removing commas that stand before `}` or `]` outside
 * strings. Bright Pattern's and Veeam's published samples both carry one: `"expires_in":"3599",}`.
 * Returns `undefined` when the text is not JSON either way.
 */
export function parseJsonTolerant(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(removeTrailingCommas(text));
    } catch {
      return undefined;
    }
  }
}

function removeTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ',') {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === '}' || text[j] === ']') continue;
    }
    out += c;
  }
  return out;
}

type XmlParser = { parse(xml: string): unknown };
let xmlParser: XmlParser | undefined;

/** fast-xml-parser is only loaded the first time an XML answer arrives. */
function getXmlParser(): XmlParser {
  if (xmlParser === undefined) {
    const require = createRequire(import.meta.url);
    const { XMLParser } = require('fast-xml-parser') as typeof import('fast-xml-parser');
    // Keep every value a string: an access token that happens to look numeric must stay text.
    xmlParser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true, processEntities: true });
  }
  return xmlParser;
}

/** Field names whose XML text is a number (the ASP.NET auth-token facade's `AccessTokenResponse`; Keycloak spells one with dashes). */
const NUMERIC_XML_FIELDS = new Set(['expires_in', 'refresh_expires_in', 'not_before_policy', 'not-before-policy']);

/**
 * The child elements of the root element as fields: `<AccessTokenResponse><access_token>…` (the ASP.NET facade,
 * ASP.NET content negotiation) or `<Error><Message>…`.
 */
function parseXmlFields(xml: string): Record<string, unknown> | undefined {
  let doc: unknown;
  try {
    doc = getXmlParser().parse(xml);
  } catch {
    return undefined;
  }
  if (!isRecord(doc)) return undefined;
  const roots = Object.entries(doc).filter(([key]) => !key.startsWith('?'));
  if (roots.length !== 1 || !isRecord(roots[0]![1])) return undefined;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(roots[0]![1])) {
    if (typeof value !== 'string') continue;
    if (NUMERIC_XML_FIELDS.has(key) && /^-?\d+(\.\d+)?$/.test(value)) fields[key] = Number(value);
    else if (value === 'true' || value === 'false') fields[key] = value === 'true';
    else fields[key] = value;
  }
  return fields;
}

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
