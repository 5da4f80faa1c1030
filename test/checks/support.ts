// Builds the query part of a check context for tests.
import { isGlobPattern, type Query } from '../../src/diagnosis/query.ts';

export function queryFor(key: string, overrides: Partial<Query> = {}): { query: Query; now: Date } {
  const now = new Date();
  return {
    query: {
      key,
      isPattern: isGlobPattern(key),
      db: 0,
      since: new Date(now.getTime() - 3600_000),
      tier: null,
      scope: null,
      ...overrides,
    },
    now,
  };
}
