// Every POST to /slack/events passes here before Bolt sees it, cheapest check first, so that a flood of junk costs
// keyloss next to nothing and signed requests keep their 3-second ack: the signature headers and the timestamp's age
// before a byte of the body is read; the declared size before reading and the size read while reading; the body's
// HMAC before anything parses it. Only a signed body is parsed, and one Bolt cannot route (payload=null, a JSON null,
// [], a number) gets a 400 at once: Bolt would throw on it before answering and leave the client waiting.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import { type HTTPReceiver, verifySlackRequest } from '@slack/bolt';

/** Bolt's own limit on a request body; Slack's own payloads are a few KB. */
export const SLACK_BODY_LIMIT = 4 * 1024 * 1024;
/** Slack's rule: a request whose timestamp is more than five minutes from now is refused (a replay). */
const MAX_AGE_S = 5 * 60;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

/** The body as Bolt will read it: the `payload` field's JSON, the form fields, or the JSON body. */
function parsedBody(raw: string, contentType: string | undefined): unknown {
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = parse(raw);
      return typeof form.payload === 'string' ? JSON.parse(form.payload) : form;
    }
    return JSON.parse(raw);
  } catch {
    return {}; // Bolt answers what it cannot parse with a 400 of its own.
  }
}

/** Why the headers alone refuse the request (no signature, a malformed one, a stale or missing timestamp); null: read on. */
export function headerRefusal(request: IncomingMessage, nowMs: number): string | null {
  const signature = request.headers['x-slack-signature'];
  const timestamp = Number(request.headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return 'no Slack signature';
  if (!Number.isInteger(timestamp) || Math.abs(nowMs / 1000 - timestamp) > MAX_AGE_S) return 'a timestamp more than five minutes from now';
  return null;
}

function isSigned(request: IncomingMessage, body: string, signingSecret: string, nowMs: number): boolean {
  try {
    verifySlackRequest({
      signingSecret,
      body,
      headers: {
        'x-slack-signature': String(request.headers['x-slack-signature'] ?? ''),
        'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
      },
      nowMilliseconds: nowMs,
    });
    return true;
  } catch {
    return false;
  }
}

/** Answers and closes the connection: whatever the client still sends is not read. */
export function refuseAndClose(request: IncomingMessage, response: ServerResponse, status: number): void {
  if (response.headersSent) return;
  response.writeHead(status, { Connection: 'close', 'Content-Length': '0' });
  response.end(() => request.socket.destroy());
}

/** Reads at most `limit` bytes; null (and the reading stopped) as soon as the body is larger. */
export function readCapped(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', () => resolve(null));
  });
}

/**
 * Puts the checks in front of Bolt for each POST to `endpoint`; what passes goes on to Bolt with the body already read
 * (`rawBody`, which Bolt reuses). `refuse(reason)` gets one audit line for a signed body Bolt cannot route; unsigned
 * requests are answered 401 without an audit line each, so a flood cannot fill the log.
 */
export function guardSlackRequests(receiver: HTTPReceiver, endpoint: string, signingSecret: string, refuse: (reason: string) => void, now: () => number = Date.now): void {
  const bolt = receiver.requestListener;
  receiver.requestListener = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'POST' || path !== endpoint) return bolt(request, response);
    if (headerRefusal(request, now()) !== null) return refuseAndClose(request, response, 401);
    if (Number(request.headers['content-length'] ?? 0) > SLACK_BODY_LIMIT) return refuseAndClose(request, response, 413);
    void readCapped(request, SLACK_BODY_LIMIT).then((raw) => {
      if (raw === null) return refuseAndClose(request, response, 413);
      const text = raw.toString();
      if (!isSigned(request, text, signingSecret, now())) return refuseAndClose(request, response, 401);
      const body = parsedBody(text, request.headers['content-type']);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        refuse(`a signed body Bolt cannot route (${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body})`);
        response.writeHead(400).end();
        return;
      }
      // Bolt takes a request whose body was already read from `rawBody`.
      (request as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
      bolt(request, response);
    });
  };
}
