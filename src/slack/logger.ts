// Bolt's and the WebClient's log lines, redacted: they can carry request bodies and error text with tokens.
import { LogLevel, type Logger } from '@slack/bolt';
import { logLine, redact } from '../redact.ts';

const ORDER = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

function line(parts: unknown[]): string {
  return redact(parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p))).join(' '));
}

export function redactingLogger(level: LogLevel = LogLevel.WARN, write: (text: string) => void = (t) => logLine(t)): Logger {
  let current = level;
  let name = 'keyloss:slack';
  const at = (wanted: LogLevel, parts: unknown[]) => {
    // The WebClient says this once per failed attempt; transport.ts says it once per outage, with the address and reason.
    if (parts[0] === 'http request failed') return;
    if (ORDER.indexOf(wanted) >= ORDER.indexOf(current)) write(`[${wanted.toUpperCase()}] ${name} ${line(parts)}`);
  };
  return {
    debug: (...m: unknown[]) => at(LogLevel.DEBUG, m),
    info: (...m: unknown[]) => at(LogLevel.INFO, m),
    warn: (...m: unknown[]) => at(LogLevel.WARN, m),
    error: (...m: unknown[]) => at(LogLevel.ERROR, m),
    setLevel: (l: LogLevel) => {
      current = l;
    },
    getLevel: () => current,
    setName: (n: string) => {
      name = n;
    },
  };
}
