/**
 * Turns a JSON document into a typed value or a list of `path: reason` problems.
 * Used for the admin config and the state file alike.
 */
import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export interface Problem {
  /** dotted path into the document, e.g. `web.port`, `speakers.0.volume`; `(root)` for the whole */
  path: string;
  reason: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.reason}`).join('\n');
}

/** Parses JSON text, reporting where it broke as line and column. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const position = /position (\d+)/.exec(message);
    let where = '';
    if (position?.[1]) {
      const offset = Number(position[1]);
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
    }
    return { ok: false, problems: [{ path: '(root)', reason: `not valid JSON${where}: ${message}` }] };
  }
}

/**
 * Fills defaults, then checks the schema. Reports one reason per path (the first), every path.
 * The input is not modified.
 */
export function validate<S extends TSchema>(schema: S, input: unknown): Validated<Static<S>> {
  const value = Value.Default(schema, structuredClone(input)) as unknown;
  if (Value.Check(schema, value)) return { ok: true, value };
  const byPath = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const path = toDottedPath(error.path);
    if (!byPath.has(path)) byPath.set(path, describe(error.message, error.value, error.schema));
  }
  return { ok: false, problems: [...byPath].map(([path, reason]) => ({ path, reason })) };
}

function toDottedPath(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

function describe(message: string, value: unknown, schema: TSchema): string {
  if (message === 'Unexpected property') return 'unknown setting (check the spelling)';
  const json = value === undefined ? undefined : JSON.stringify(value);
  const got = json === undefined ? 'missing' : json.length > 60 ? json.slice(0, 57) + '...' : json;
  const description = typeof schema['description'] === 'string' ? schema['description'] : null;
  // Regular expressions and union listings mean little to a user: say what is wanted instead.
  if (description && (/^Expected union value/.test(message) || /to match/.test(message))) {
    return `expected ${description}, got ${got}`;
  }
  return `${lowerFirst(message)}${description ? ` (${description})` : ''}, got ${got}`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
