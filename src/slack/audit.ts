// One JSON line per Slack action (who, which cache, what ran, the verdict), redacted, for the log pipeline.
import { redact } from '../redact.ts';
import type { OnUnreadable } from '../state/store.ts';

export type AuditAction =
  | 'command'
  | 'refused'
  | 'answer'
  | 'skip'
  | 'checks-started'
  /** Waiting for a place in the cache's connection budget. */
  | 'queued'
  | 'checks-finished'
  | 'unreachable'
  | 'verdict'
  | 'rerun'
  | 'all-causes'
  | 'postmortem'
  | 'revise'
  | 'alert'
  | 'shortcut'
  | 'home'
  | 'watch'
  | 'watch-finished'
  /** A state record that was malformed or oversized: skipped and removed (once per record). */
  | 'skipped-record'
  | 'error';

export interface AuditEntry {
  action: AuditAction;
  user: string | null;
  channel: string | null;
  /** The thread (root ts) of the investigation, when there is one. */
  thread?: string | null;
  cache?: string | null;
  [detail: string]: unknown;
}

/** The `source` of every audit line, for the log pipeline to pick them out. */
export const AUDIT_SOURCE = 'keyloss.slack';

export type AuditSink = (line: string) => void;

export type Audit = (entry: AuditEntry) => void;

/** Writes each entry as one line; the whole line goes through `redact`, whatever a detail holds. */
export function createAudit(sink: AuditSink = (line) => process.stdout.write(line + '\n'), now: () => Date = () => new Date()): Audit {
  return (entry) => {
    const line = JSON.stringify({ at: now().toISOString(), source: AUDIT_SOURCE, ...entry });
    sink(redact(line));
  };
}

/** Where the state store reports a malformed or oversized record: one audit line, its key and what is wrong, never its content. */
export function auditSkippedRecord(audit: Audit): OnUnreadable {
  return (key, reason) => audit({ action: 'skipped-record', user: null, channel: null, key, reason });
}
