/**
 * Versioned migration of JSON documents (config and state files).
 * A document carries `version`; each step lifts version N to N+1. A document from a newer
 * blueline (after a downgrade) is refused rather than guessed at.
 */
import type { Problem } from './validate.js';

export type MigrationStep = (doc: Record<string, unknown>) => Record<string, unknown>;

/** steps[n] migrates a version-n document to version n+1. */
export type Migrations = Readonly<Record<number, MigrationStep>>;

export type Migrated = { ok: true; value: Record<string, unknown>; from: number } | { ok: false; problems: Problem[] };

export function migrate(input: unknown, current: number, steps: Migrations): Migrated {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ path: '(root)', reason: 'expected a JSON object' }] };
  }
  let doc = { ...(input as Record<string, unknown>) };
  const raw = doc['version'] ?? 0;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) {
    return { ok: false, problems: [{ path: 'version', reason: `expected a whole number, got ${JSON.stringify(raw)}` }] };
  }
  if (raw > current) {
    return {
      ok: false,
      problems: [{ path: 'version', reason: `written by a newer blueline (version ${raw}; this one reads up to ${current})` }],
    };
  }
  for (let version = raw; version < current; version++) {
    const step = steps[version];
    if (!step) return { ok: false, problems: [{ path: 'version', reason: `no migration from version ${version}` }] };
    doc = { ...step(doc), version: version + 1 };
  }
  return { ok: true, value: doc, from: raw };
}
