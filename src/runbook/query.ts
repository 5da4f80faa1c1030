// Turns a session's answers into the Query the checks and the diagnosis read.
import { isGlobPattern, SCOPES, TIERS, type Query, type Scope, type Tier } from '../domain/query.ts';
import { parseDbIndex, parseIsoTime, parseKeyPattern } from './formats.ts';

/**
 * What a one-shot start (the command text, an alert) leaves to the checks, as `keyloss diagnose` does: the tier is
 * unknown unless Azure or the caches file knows it, the scope is inferred from the evidence.
 */
export const INFERRED_SLOTS = ['tier', 'scope'] as const;

/** A start whose answers give the key and since needs nothing else from a person. */
export function isOneShot(prefill: Record<string, string>): boolean {
  return prefill.key !== undefined && prefill.since !== undefined;
}

export type QueryFromAnswers = { ok: true; query: Query } | { ok: false; missing: string[] };

/**
 * Reads the slots `key`, `since`, `db`, `tier` and `scope`. `key` and `since` are required (a since that is not an
 * ISO time counts as missing: the engine stores it normalised); db defaults to 0; tier and scope are null when
 * skipped or not asked.
 */
export function queryFromAnswers(answers: Record<string, string>): QueryFromAnswers {
  const missing: string[] = [];
  const key = parseKeyPattern(answers.key ?? '');
  if (!key.ok) missing.push('key');
  const since = answers.since ? parseIsoTime(answers.since) : null;
  if (since === null) missing.push('since');
  const db = answers.db ? parseDbIndex(answers.db) : { ok: true as const, db: 0 };
  if (!db.ok) missing.push('db');
  if (!key.ok || since === null || !db.ok) return { ok: false, missing };
  return {
    ok: true,
    query: {
      key: key.key,
      isPattern: isGlobPattern(key.key),
      db: db.db,
      since,
      tier: oneOf(TIERS, answers.tier),
      scope: oneOf(SCOPES, answers.scope),
    },
  };
}

function oneOf<T extends Tier | Scope>(values: readonly T[], answer: string | undefined): T | null {
  return values.find((v) => v === answer) ?? null;
}
