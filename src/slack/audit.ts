// One JSON line per Slack action (who, which cache, what ran, the verdict), redacted, for the log pipeline.
import { redact } from '../redact.ts';

export type AuditAction =
  | 'command'
  | 'refused'
  | 'answer'
  | 'skip'
  | 'checks-started'
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
