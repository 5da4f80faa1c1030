// POST /alerts/azure-monitor: an action group's webhook. Authenticated before the body is read: by KEYLOSS_ALERT_TOKEN
// (?token= or Authorization: Bearer, compared in constant time) or, for a secure webhook, by its Entra token
// (entra.ts); the body's size is capped before it is read; 202 as soon as the body parses, the investigation after.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../../redact.ts';
import { readCapped } from '../request-guard.ts';
import { parseAzureMonitorAlert, type AzureMonitorAlert } from './azure-monitor.ts';
import { looksLikeJwt, type EntraCheck } from './entra.ts';

export const ALERT_PATH = '/alerts/azure-monitor';
/** Azure's common alert schema payloads are a few KB; anything this large is not one. */
export const MAX_ALERT_BYTES = 256 * 1024;

export interface AlertRouteOptions {
  /** The shared secret; null when only Entra tokens are taken. */
  token: string | null;
  /** Checks a bearer token that is a JWT (the secure webhook); null when no Entra app is configured. */
  entra: ((jwt: string) => Promise<EntraCheck>) | null;
  /** Before the answer: whether anyone would hear of this alert; a refusal is answered 422 with the reason, not accepted. */
  check(alert: AzureMonitorAlert): { ok: true } | { ok: false; reason: string };
  /** Runs after the 202 has been sent. */
  accept(alert: AzureMonitorAlert): void;
  /** One audit line per refused request (never the token). */
  refused(status: number, reason: string): void;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Equal digests of equal length: the time taken says nothing about how much of the token was right. */
export function tokenMatches(given: string | null, expected: string): boolean {
  return given !== null && timingSafeEqual(digest(given), digest(expected));
}

function presentedToken(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return new URL(req.url ?? '/', 'http://keyloss').searchParams.get('token');
}

/** The shared secret, else an Entra token; the reason never holds what was presented. */
async function authenticate(req: IncomingMessage, options: AlertRouteOptions): Promise<EntraCheck> {
  const presented = presentedToken(req);
  if (options.token !== null && tokenMatches(presented, options.token)) return { ok: true };
  if (options.entra && presented !== null && looksLikeJwt(presented)) {
    const checked = await options.entra(presented);
    return checked.ok ? checked : { ok: false, reason: `Entra token refused: ${checked.reason}` };
  }
  return { ok: false, reason: options.token === null ? 'no Entra token' : 'no alert token, or the wrong one' };
}

/** A refusal (401, 413) closes the connection: whatever the client still sends is not read. */
function answer(req: IncomingMessage, res: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (res.headersSent) return;
  const close = status === 401 || status === 413;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...(close ? { Connection: 'close' } : {}) });
  res.end(JSON.stringify(body), () => {
    if (close) req.socket.destroy();
  });
}

export function alertRoute(options: AlertRouteOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const auth = await authenticate(req, options);
      if (!auth.ok) {
        options.refused(401, auth.reason);
        const expected = [options.token !== null ? 'KEYLOSS_ALERT_TOKEN as ?token= or Authorization: Bearer' : null, options.entra ? 'an Entra token of the secure webhook' : null];
        answer(req, res, 401, { ok: false, error: `unauthorized: give ${expected.filter((e) => e !== null).join(', or ')}` });
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      const body = declared > MAX_ALERT_BYTES ? null : await readCapped(req, MAX_ALERT_BYTES);
      if (body === null) {
        options.refused(413, `body over ${MAX_ALERT_BYTES} bytes`);
        answer(req, res, 413, { ok: false, error: `the body is larger than ${MAX_ALERT_BYTES / 1024} KB; an Azure Monitor alert is not` });
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        options.refused(400, 'body is not JSON');
        answer(req, res, 400, { ok: false, error: 'the body is not JSON' });
        return;
      }
      const parsed = parseAzureMonitorAlert(json);
      if (!parsed.ok) {
        options.refused(400, parsed.reason);
        answer(req, res, 400, { ok: false, error: `not an Azure Monitor common alert schema payload: ${parsed.reason}` });
        return;
      }
      const checked = options.check(parsed.alert);
      if (!checked.ok) {
        options.refused(422, checked.reason);
        answer(req, res, 422, { ok: false, error: `keyloss would tell nobody of this alert: ${checked.reason}` });
        return;
      }
      answer(req, res, 202, { ok: true, alertId: parsed.alert.id, condition: parsed.alert.condition });
      setImmediate(() => options.accept(parsed.alert));
    })().catch((error: unknown) => {
      options.refused(500, describeError(error));
      answer(req, res, 500, { ok: false, error: 'internal error' });
    });
  };
}
