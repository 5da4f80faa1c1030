// A local stand-in for Slack's Web API (node:http) and its Socket Mode WebSocket: records every call, answers in Slack's shapes, checks Block Kit limits.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { limitBreaches } from '../../src/slack/blocks/limits.ts';

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** The bearer token the call carried. */
  token: string | null;
  /** Set when the fake answered 429 to this attempt. */
  rateLimited: boolean;
  /** Set when the fake answered this attempt with an HTTP error (failNext) and did nothing. */
  failedWith?: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  thread_ts: string | null;
  text: string;
  blocks: unknown[];
  metadata: { event_type: string; event_payload: Record<string, unknown> } | null;
  /** Every version of this message, oldest first (chat.update appends). */
  versions: Array<{ text: string; blocks: unknown[] }>;
}

export interface FakeSlack {
  url: string;
  /** The Web API base URL for SLACK_API_URL. */
  apiUrl: string;
  /** A response_url pointing at the fake. */
  responseUrl(id?: string): string;
  calls: RecordedCall[];
  messages: PostedMessage[];
  ephemerals: Array<{ channel: string; user: string; text: string; blocks: unknown[] }>;
  /** Bodies posted to response_url. */
  responses: Array<{ id: string; body: Record<string, unknown> }>;
  /** Bytes posted to an upload_url (`body` as UTF-8 for text files). */
  uploads: Array<{ fileId: string; body: string; bytes: Buffer }>;
  /** Files shared by files.completeUploadExternal: where, under which title, with the bytes uploaded for them. */
  files: Array<{ id: string; title: string; channel: string; thread_ts: string | null; filename: string; bytes: Buffer }>;
  /** Views published to App Home, per user, newest last. */
  homeViews: Array<{ user: string; view: { type: string; blocks: unknown[] } }>;
  /** Every Block Kit limit breach seen, with the method that carried it; tests assert it stays empty. */
  breaches: string[];
  /** Members returned by usergroups.users.list, per group id. */
  usergroups: Record<string, string[]>;
  /** Private channels the bot was not invited to: chat.postMessage there answers `channel_not_found`, as Slack does. */
  closedChannels: Set<string>;
  /** Channel names by id, as conversations.info answers them; an id not here answers `channel_not_found`. */
  channelNames: Record<string, string>;
  /** The next call of `method` is answered 429 with Retry-After: `seconds`. */
  rateLimitNext(method: string, seconds?: number): void;
  /** The next `times` calls of `method` are answered with HTTP `status` (default 500) and have no effect. */
  failNext(method: string, status?: number, times?: number): void;
  callsOf(method: string): RecordedCall[];
  /** Messages posted in the thread under `rootTs`. */
  thread(channel: string, rootTs: string): PostedMessage[];
  /** Socket Mode: the app's open connections (after `hello`), and envelopes sent to it as Slack sends them. */
  socket: {
    connections(): number;
    /** Sends an envelope on the newest connection; resolves with the app's acknowledgement, rejects after `timeoutMs`. */
    send(type: 'slash_commands' | 'interactive', payload: object, timeoutMs?: number): Promise<{ envelope_id: string; payload?: unknown }>;
    /** Envelope ids acknowledged, in order (a doubled ack would show twice). */
    acks: string[];
    /** Asks the app to drop its newest connection, as Slack does before refreshing one ("refresh_requested"). */
    disconnect(reason?: string): void;
    /** The newest connection goes half-open: open at TCP level, but no pong, no ping, nothing delivered. */
    silence(): void;
  };
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The file's bytes: the WebClient posts them as multipart/form-data (one file part); raw bodies are taken as they are. */
async function uploadedFile(body: Buffer, contentType: string): Promise<Buffer> {
  if (!contentType.startsWith('multipart/form-data')) return body;
  const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
}

function parseParams(body: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const params: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  // The WebClient sends arrays and objects as JSON strings inside the form.
  for (const k of ['blocks', 'metadata', 'view', 'files', 'attachments']) {
    if (typeof params[k] === 'string') params[k] = JSON.parse(params[k] as string);
  }
  return params;
}

export async function startFakeSlack(options: { botToken?: string; appToken?: string } = {}): Promise<FakeSlack> {
  let tsCounter = 0;
  const nextTs = () => {
    tsCounter += 1;
    return `${1_700_000_000 + tsCounter}.${String(tsCounter).padStart(6, '0')}`;
  };
  const rateLimits = new Map<string, number>();
  const failures = new Map<string, { status: number; times: number }>();
  let fileCounter = 0;
  const filenames = new Map<string, string>();
  let baseUrl = '';
  // Pongs are answered by hand so that one connection can go silent; Slack also pings each connection itself.
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  const sockets: WebSocket[] = [];
  const silenced = new WeakSet<WebSocket>();
  const waitingAcks = new Map<string, (ack: { envelope_id: string; payload?: unknown }) => void>();

  const fake: FakeSlack = {
    url: '',
    apiUrl: '',
    responseUrl: (id = 'r1') => `${baseUrl}/response/${id}`,
    calls: [],
    messages: [],
    ephemerals: [],
    responses: [],
    uploads: [],
    files: [],
    homeViews: [],
    breaches: [],
    usergroups: {},
    closedChannels: new Set(),
    channelNames: {},
    rateLimitNext(method, seconds = 1) {
      rateLimits.set(method, seconds);
    },
    failNext(method, status = 500, times = 1) {
      failures.set(method, { status, times });
    },
    callsOf(method) {
      return fake.calls.filter((c) => c.method === method && !c.rateLimited && c.failedWith === undefined);
    },
    thread(channel, rootTs) {
      return fake.messages.filter((m) => m.channel === channel && m.thread_ts === rootTs);
    },
    socket: {
      connections: () => sockets.length,
      send(type, payload, timeoutMs = 10_000) {
        const ws = sockets.at(-1);
        if (!ws) return Promise.reject(new Error('fake Slack: no Socket Mode connection'));
        const envelopeId = randomUUID();
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waitingAcks.delete(envelopeId);
            reject(new Error(`fake Slack: no ack for ${type} envelope within ${timeoutMs} ms`));
          }, timeoutMs);
          waitingAcks.set(envelopeId, (ack) => {
            clearTimeout(timer);
            resolve(ack);
          });
          ws.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type === 'slash_commands', retry_attempt: 0, retry_reason: '' }));
        });
      },
      acks: [],
      disconnect(reason = 'refresh_requested') {
        sockets.at(-1)?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack' } }));
      },
      silence() {
        const ws = sockets.at(-1);
        if (ws) silenced.add(ws);
      },
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };

  const checkBlocks = (method: string, blocks: unknown, surface: 'message' | 'modal' = 'message') => {
    if (blocks === undefined) return;
    if (!Array.isArray(blocks)) {
      fake.breaches.push(`${method}: blocks is not an array`);
      return;
    }
    for (const breach of limitBreaches(blocks, surface)) fake.breaches.push(`${method}: ${breach}`);
  };

  const answer = (method: string, p: Record<string, unknown>): Record<string, unknown> => {
    const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : '');
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://example.slack.com/', team: 'Example', user: 'keyloss', team_id: 'T111', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'chat.postMessage': {
        checkBlocks(method, p.blocks);
        if (!str('channel') || fake.closedChannels.has(str('channel'))) return { ok: false, error: 'channel_not_found' };
        if (!str('text') && !p.blocks) return { ok: false, error: 'no_text' };
        const ts = nextTs();
        const metadata = (p.metadata as PostedMessage['metadata']) ?? null;
        const blocks = (p.blocks as unknown[]) ?? [];
        fake.messages.push({
          channel: str('channel'),
          ts,
          thread_ts: str('thread_ts') || null,
          text: str('text'),
          blocks,
          metadata,
          versions: [{ text: str('text'), blocks }],
        });
        return { ok: true, channel: str('channel'), ts, message: { type: 'message', text: str('text'), ts, bot_id: 'BBOT' } };
      }
      case 'chat.update': {
        checkBlocks(method, p.blocks);
        const message = fake.messages.find((m) => m.channel === str('channel') && m.ts === str('ts'));
        if (!message) return { ok: false, error: 'message_not_found' };
        if (typeof p.text === 'string') message.text = p.text;
        if (p.blocks) message.blocks = p.blocks as unknown[];
        if (p.metadata) message.metadata = p.metadata as PostedMessage['metadata'];
        message.versions.push({ text: message.text, blocks: message.blocks });
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      case 'chat.postEphemeral': {
        checkBlocks(method, p.blocks);
        fake.ephemerals.push({ channel: str('channel'), user: str('user'), text: str('text'), blocks: (p.blocks as unknown[]) ?? [] });
        return { ok: true, message_ts: nextTs() };
      }
      case 'views.open': {
        const view = p.view as { blocks?: unknown[]; title?: { text: string }; private_metadata?: string } | undefined;
        if (!view) return { ok: false, error: 'invalid_arguments' };
        checkBlocks(method, view.blocks, 'modal');
        if ((view.title?.text.length ?? 0) > 24) fake.breaches.push('views.open: title longer than 24');
        if ((view.private_metadata?.length ?? 0) > 3000) fake.breaches.push('views.open: private_metadata longer than 3000');
        if (!str('trigger_id')) return { ok: false, error: 'invalid_trigger_id' };
        return { ok: true, view: { id: 'V111', ...view } };
      }
      case 'files.getUploadURLExternal': {
        if (!str('filename') || !(Number(str('length')) > 0)) return { ok: false, error: 'invalid_arguments' };
        fileCounter += 1;
        const fileId = `F${String(fileCounter).padStart(4, '0')}`;
        filenames.set(fileId, str('filename'));
        return { ok: true, upload_url: `${baseUrl}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = (p.files as Array<{ id: string; title?: string }>) ?? [];
        const missing = files.find((f) => !fake.uploads.some((u) => u.fileId === f.id));
        if (missing) return { ok: false, error: 'file_not_found' };
        for (const f of files) {
          fake.files.push({
            id: f.id,
            title: f.title ?? '',
            channel: str('channel_id'),
            thread_ts: str('thread_ts') || null,
            filename: filenames.get(f.id) ?? '',
            bytes: fake.uploads.find((u) => u.fileId === f.id)!.bytes,
          });
        }
        return {
          ok: true,
          files: files.map((f) => ({
            id: f.id,
            title: f.title ?? '',
            name: filenames.get(f.id) ?? '',
            permalink: `https://example.slack.com/files/UBOT/${f.id}/${filenames.get(f.id) ?? 'file'}`,
          })),
        };
      }
      case 'views.publish': {
        const view = p.view as { type?: string; blocks?: unknown[] } | undefined;
        if (view?.type !== 'home' || !str('user_id')) return { ok: false, error: 'invalid_arguments' };
        checkBlocks(method, view.blocks, 'modal');
        fake.homeViews.push({ user: str('user_id'), view: { type: view.type, blocks: view.blocks ?? [] } });
        return { ok: true, view: { id: 'VHOME', ...view } };
      }
      case 'apps.connections.open':
        return { ok: true, url: `${baseUrl.replace('http:', 'ws:')}/link/?ticket=${randomUUID()}` };
      case 'usergroups.users.list':
        return { ok: true, users: fake.usergroups[str('usergroup')] ?? [] };
      case 'conversations.info': {
        const name = fake.channelNames[str('channel')];
        return name === undefined ? { ok: false, error: 'channel_not_found' } : { ok: true, channel: { id: str('channel'), name, is_channel: true } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const bytes = await readBody(req);
      const body = bytes.toString('utf8');
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (path.startsWith('/upload/')) {
        const file = await uploadedFile(bytes, String(req.headers['content-type'] ?? ''));
        fake.uploads.push({ fileId: path.slice('/upload/'.length), body: file.toString('utf8'), bytes: file });
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('OK - ' + bytes.length);
        return;
      }
      if (path.startsWith('/response/')) {
        const parsed = body ? (JSON.parse(body) as Record<string, unknown>) : {};
        checkBlocks('response_url', parsed.blocks);
        fake.responses.push({ id: path.slice('/response/'.length), body: parsed });
        reply(200, { ok: true });
        return;
      }
      if (!path.startsWith('/api/')) {
        reply(404, { ok: false, error: 'not_found' });
        return;
      }
      const method = path.slice('/api/'.length);
      const params = parseParams(body, String(req.headers['content-type'] ?? ''));
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof params.token === 'string' ? params.token : null;
      const limited = rateLimits.get(method);
      if (limited !== undefined) {
        rateLimits.delete(method);
        fake.calls.push({ method, params, token, rateLimited: true });
        reply(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(limited) });
        return;
      }
      const failure = failures.get(method);
      if (failure !== undefined) {
        if (failure.times <= 1) failures.delete(method);
        else failure.times -= 1;
        fake.calls.push({ method, params, token, rateLimited: false, failedWith: failure.status });
        res.writeHead(failure.status, { 'Content-Type': 'text/plain' });
        res.end('internal error');
        return;
      }
      fake.calls.push({ method, params, token, rateLimited: false });
      const expected = method === 'apps.connections.open' ? options.appToken : options.botToken;
      if (expected && token !== expected) {
        reply(200, { ok: false, error: 'invalid_auth' });
        return;
      }
      reply(200, answer(method, params));
    })().catch((error: unknown) => {
      fake.breaches.push(`fake Slack could not handle ${req.url}: ${String(error)}`);
      res.writeHead(500);
      res.end();
    });
  });
  // Socket Mode: the URL from apps.connections.open upgrades here; the fake says hello and collects acks.
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/link')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      const pinger = setInterval(() => {
        if (!silenced.has(ws)) ws.ping();
      }, 2_000);
      ws.on('ping', (data) => {
        if (!silenced.has(ws)) ws.pong(data);
      });
      ws.on('message', (data) => {
        if (silenced.has(ws)) return;
        const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (!message.envelope_id) return;
        fake.socket.acks.push(message.envelope_id);
        waitingAcks.get(message.envelope_id)?.({ envelope_id: message.envelope_id, payload: message.payload });
        waitingAcks.delete(message.envelope_id);
      });
      ws.on('close', () => {
        clearInterval(pinger);
        sockets.splice(sockets.indexOf(ws), 1);
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: sockets.length, debug_info: { host: 'fake-slack' }, connection_info: { app_id: 'A111' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  fake.url = baseUrl;
  fake.apiUrl = `${baseUrl}/api/`;
  return fake;
}
