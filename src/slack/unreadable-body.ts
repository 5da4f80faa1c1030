// Signed requests whose body Bolt cannot route (payload=null, a JSON null, [], a number) get a 400 at once:
// Bolt's HTTP receiver would throw on them before answering and leave the client waiting until it gives up.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import { type HTTPReceiver, verifySlackRequest } from '@slack/bolt';

/** Bolt's own limit on a request body. */
const BODY_LIMIT = 4 * 1024 * 1024;

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

function isSigned(request: IncomingMessage, body: string, signingSecret: string): boolean {
  try {
    verifySlackRequest({
      signingSecret,
      body,
      headers: {
        'x-slack-signature': String(request.headers['x-slack-signature'] ?? ''),
        'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
      },
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads each POST to `endpoint` first (as Bolt would: it reuses the buffered body) and answers a signed body that is
 * not an object with a 400 and `refuse(reason)`; everything else goes on to Bolt untouched, unsigned requests included.
 */
export function answerUnreadableBodies(receiver: HTTPReceiver, endpoint: string, signingSecret: string, refuse: (reason: string) => void): void {
  const bolt = receiver.requestListener;
  receiver.requestListener = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'POST' || path !== endpoint) return bolt(request, response);
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    request.on('error', () => response.destroy());
    request.on('end', () => {
      if (size > BODY_LIMIT) {
        response.writeHead(413).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = parsedBody(raw.toString(), request.headers['content-type']);
      if ((typeof body !== 'object' || body === null || Array.isArray(body)) && isSigned(request, raw.toString(), signingSecret)) {
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
