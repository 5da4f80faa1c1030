// Microsoft's published example bodies and recorded service answers (test/fixtures/azure/, sources in its README),
// loaded as committed and adapted only in their ids, links and times, so a test can point them at its own resource and window.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../fixtures/azure/', import.meta.url));

/** The whole fixture file as committed: an example (`parameters`, `responses`) or a recording (`Entries`). */
export function fixtureFile(path: string): unknown {
  return JSON.parse(readFileSync(`${ROOT}${path}`, 'utf8')) as unknown;
}

/** The body of a REST-spec example's response with that status. */
export function exampleBody(path: string, status = '200'): unknown {
  const example = fixtureFile(path) as { responses?: Record<string, { body?: unknown }> };
  const body = example.responses?.[status]?.body;
  if (body === undefined) throw new Error(`${path} has no ${status} response body`);
  return body;
}

/** The response body of a recording's only (or `index`th) entry. */
export function recordedBody(path: string, index = 0): unknown {
  const recording = fixtureFile(path) as { Entries?: Array<{ ResponseBody?: unknown }> };
  const body = recording.Entries?.[index]?.ResponseBody;
  if (body === undefined) throw new Error(`${path} has no entry ${index}`);
  return body;
}

/**
 * The body with every occurrence of each `ids` key (a resource id or a prefix of one, matched without regard
 * to case, as Azure treats them) replaced by its value. Nothing else in the body changes.
 */
export function withIds<T>(body: T, ids: Record<string, string>): T {
  let text = JSON.stringify(body);
  for (const [from, to] of Object.entries(ids)) {
    const replacement = JSON.stringify(to).slice(1, -1);
    text = text.replace(new RegExp(escapeRegExp(JSON.stringify(from).slice(1, -1)), "gi"), () => replacement);
  }
  return JSON.parse(text) as T;
}

/** The body with every ISO timestamp (in UTC: Z or +00:00) moved by `shiftMs` (same format back: whole seconds stay whole seconds). */
export function withTimesShifted<T>(body: T, shiftMs: number): T {
  const text = JSON.stringify(body).replace(/"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|\+00:00)"/g, (_, whole: string, fraction: string | undefined, zone: string) => {
    const moved = new Date(Date.parse(`${whole}Z`) + shiftMs).toISOString().slice(0, 19);
    return `"${moved}${fraction ?? ''}${zone}"`;
  });
  return JSON.parse(text) as T;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
