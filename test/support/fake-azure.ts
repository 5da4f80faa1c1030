// A local HTTPS fake of the three Azure endpoints keyloss reads, speaking their documented REST shapes:
// the metrics batch API, the ARM cache resource (redis and redisEnterprise) and the activity log.
import { createServer, type Server } from 'node:https';
import { Agent } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import { makeCertificate } from './certificate.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: string;
}

/** A metric series the fake serves: a value for every grid time asked for (null: no data that interval). */
export interface FakeSeries {
  metric: string;
  /** Lower-case dimension names, as Azure answers them: { shardid: '0' }, { errortype: 'Failover' }. */
  dimensions?: Record<string, string>;
  unit?: string;
  value(at: Date): number | null;
}

/** An answer forced onto the next request of a kind instead of the normal one. */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: string }
  | 'hang'
  | 'malformed';

export type Endpoint = 'metrics' | 'arm' | 'activity';

/** Display names Azure localizes metric names to; the SDK reports these as `metric.name`. */
const DISPLAY_NAMES: Record<string, string> = {
  expiredkeys: 'Expired Keys',
  evictedkeys: 'Evicted Keys',
  totalkeys: 'Total Keys',
  usedmemory: 'Used Memory',
  usedmemorypercentage: 'Used Memory Percentage',
  connectedclients: 'Connected Clients',
  cachemisses: 'Cache Misses',
  serverLoad: 'Server Load',
  errors: 'Errors',
};

export interface FakeAzure {
  /** https://127.0.0.1:<port>; serves metrics, ARM and the activity log alike. */
  url: string;
  /** PEM file of the test certificate, for NODE_EXTRA_CA_CERTS in a child process. */
  caPath: string;
  requests: RecordedRequest[];
  /** ARM GET answers by resource path (case-insensitive), e.g. the cache id, or `<id>/databases/default`. */
  resources: Map<string, unknown>;
  /**
   * The api-versions ARM serves per Microsoft.Cache resource type (lower case: `redis`, `redisenterprise`);
   * another is refused with ARM's 400 NoRegisteredProviderFound, which lists these. Unset: any version.
   */
  apiVersions: Map<string, string[]>;
  /** Series by resource id (case-insensitive). */
  metrics: Map<string, FakeSeries[]>;
  /** Activity-log events (the REST JSON shape) by resource id (case-insensitive). */
  activity: Map<string, unknown[]>;
  faults: Record<Endpoint, Fault[]>;
  /** Forgets every request, fault, resource, series and activity event, for the next test. */
  reset(): void;
  /** Serves `body` (e.g. one of Microsoft's recorded answers) as the next 200 answer of that endpoint, before any other answer. */
  answerNext(endpoint: Endpoint, body: unknown): void;
  /** An HttpClient that trusts the test certificate, for the SDK clients' `httpClient` option. */
  httpClient(): HttpClient;
  close(): Promise<void>;
}

export async function startFakeAzure(options: { token: string }): Promise<FakeAzure> {
  const certificate = makeCertificate();
  const { cert, key } = certificate;

  const requests: RecordedRequest[] = [];
  const resources = new Map<string, unknown>();
  const apiVersions = new Map<string, string[]>();
  const metrics = new Map<string, FakeSeries[]>();
  const activity = new Map<string, unknown[]>();
  const faults: Record<Endpoint, Fault[]> = { metrics: [], arm: [], activity: [] };
  const sockets = new Set<Socket>();

  const server: Server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://fake');
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body });
      handle(req, res, url, body);
    });
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  }

  function azureError(res: ServerResponse, status: number, code: string, message: string): void {
    send(res, status, { error: { code, message } });
  }

  function handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const path = url.pathname;
    const endpoint: Endpoint | null = /\/metrics:getbatch$/i.test(path)
      ? 'metrics'
      : /\/providers\/microsoft\.insights\/eventtypes\/management\/values$/i.test(path)
        ? 'activity'
        : /\/providers\/microsoft\.cache\//i.test(path)
          ? 'arm'
          : null;
    if (!endpoint) return azureError(res, 404, 'NotFound', `no such endpoint: ${req.method} ${path}`);
    const fault = faults[endpoint].shift();
    if (fault === 'hang') return; // never answers; the socket is destroyed on close()
    if (fault === 'malformed') return send(res, 200, '{"values": [ { "value": [ {"id": ');
    if (fault) return send(res, fault.status, fault.body ?? { error: { code: `Status${fault.status}`, message: `forced ${fault.status}` } }, fault.headers);
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return azureError(res, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    }
    if (!url.searchParams.get('api-version')) return azureError(res, 400, 'MissingApiVersionParameter', 'The api-version query parameter is required.');
    if (endpoint === 'metrics') return metricsBatch(res, url, body);
    // A nextLink page: the continuation of a listing already served.
    if (endpoint === 'activity' && url.searchParams.has('$skiptoken')) return send(res, 200, { value: [] });
    if (endpoint === 'activity') return activityLog(res, url);
    return armResource(res, path, url.searchParams.get('api-version') ?? '');
  }

  /**
   * The metrics batch API as its 2024-02-01 spec says: `interval` sets the grid (FULL: one point for the
   * whole span), `aggregation` which fields each point carries (only those; none when an interval had no
   * data), and with a filter at most `top` time series come back per resource ID (10 unless told).
   */
  function metricsBatch(res: ServerResponse, url: URL, body: string): void {
    const q = url.searchParams;
    let resourceIds: string[];
    try {
      resourceIds = (JSON.parse(body) as { resourceids: string[] }).resourceids;
    } catch {
      return azureError(res, 400, 'BadRequest', 'body must be {"resourceids": [...]}');
    }
    const names = (q.get('metricnames') ?? '').split(',').filter(Boolean);
    const start = Date.parse(q.get('starttime') ?? '');
    const end = Date.parse(q.get('endtime') ?? '');
    const interval = q.get('interval') ?? 'PT1M';
    const intervalMs = interval.toUpperCase() === 'FULL' ? end - start : isoDurationMs(interval);
    if (!names.length || !Number.isFinite(start) || !Number.isFinite(end) || !(intervalMs > 0)) {
      return azureError(res, 400, 'BadRequest', 'metricnames, starttime and endtime are required, and interval must be an ISO 8601 duration or FULL');
    }
    const aggregations = (q.get('aggregation') ?? 'average').split(',').map((a) => a.trim().toLowerCase()).filter(Boolean);
    const unknownAggregation = aggregations.find((a) => !AGGREGATIONS.includes(a as Aggregation));
    if (unknownAggregation) return azureError(res, 400, 'BadRequest', `Unknown aggregation type: ${unknownAggregation}`);
    const filter = q.get('filter');
    const top = filter ? Number(q.get('top') ?? 10) : Number.POSITIVE_INFINITY;
    const splitBy = [...(filter ?? '').matchAll(/(\w+)\s+eq\s+'\*'/gi)].map((m) => m[1]!.toLowerCase());
    const grid: Date[] = [];
    const first = interval.toUpperCase() === 'FULL' ? start : Math.floor(start / intervalMs) * intervalMs;
    for (let t = first; t < end; t += intervalMs) grid.push(new Date(t));

    const values = [];
    for (const resourceId of resourceIds) {
      const all = metrics.get(resourceId.toLowerCase()) ?? [];
      const value = [];
      let budget = top;
      for (const name of names) {
        const series = all.filter((s) => s.metric.toLowerCase() === name.toLowerCase());
        const known = new Set(series.flatMap((s) => Object.keys(s.dimensions ?? {})));
        const missing = splitBy.find((d) => series.length > 0 && !known.has(d));
        if (missing) {
          return azureError(res, 400, 'BadRequest', `Metric: ${name} does not support requested dimension combination: ${missing}`);
        }
        // Series that share the split dimensions' values are merged, as Azure aggregates over the rest.
        const groups = new Map<string, FakeSeries[]>();
        for (const s of series) {
          const key = JSON.stringify(splitBy.map((d) => s.dimensions?.[d] ?? ''));
          groups.set(key, [...(groups.get(key) ?? []), s]);
        }
        const kept = [...groups.values()].slice(0, Math.max(0, budget));
        budget -= kept.length;
        value.push({
          id: `${resourceId}/providers/Microsoft.Insights/metrics/${name}`,
          type: 'Microsoft.Insights/metrics',
          name: { value: name, localizedValue: DISPLAY_NAMES[name] ?? name },
          displayDescription: `The ${name} metric.`,
          unit: series[0]?.unit ?? 'Count',
          timeseries: kept.map((group) => ({
            metadatavalues: splitBy.map((d) => ({ name: { value: d, localizedValue: d }, value: group[0]!.dimensions?.[d] ?? '' })),
            data: grid.map((at) => {
              const samples = group.flatMap((s) => sampleTimes(at, intervalMs, interval).map((t) => s.value(t))).filter((v): v is number => v !== null);
              return { timeStamp: at.toISOString(), ...aggregate(samples, aggregations) };
            }),
          })),
          errorCode: 'Success',
        });
      }
      values.push({
        starttime: new Date(start).toISOString(),
        endtime: new Date(end).toISOString(),
        interval: interval.toUpperCase() === 'FULL' ? `PT${Math.round((end - start) / 60_000)}M` : interval,
        namespace: (q.get('metricnamespace') ?? '').toLowerCase(),
        resourceregion: 'westeurope',
        resourceid: resourceId,
        value,
      });
    }
    send(res, 200, { values });
  }

  function armResource(res: ServerResponse, path: string, apiVersion: string): void {
    const type = /\/providers\/microsoft\.cache\/([^/]+)/i.exec(path)?.[1] ?? '';
    const served = apiVersions.get(type.toLowerCase());
    if (served && !served.includes(apiVersion)) {
      return azureError(
        res,
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location 'westeurope' and API version '${apiVersion}' for type '${type}'. The supported api-versions are '${served.join(', ')}'. The supported locations are 'westeurope'.`,
      );
    }
    const found = [...resources.entries()].find(([id]) => id.toLowerCase() === path.toLowerCase());
    if (!found) {
      const name = path.split('/').pop();
      return azureError(res, 404, 'ResourceNotFound', `The Resource '${name}' was not found.`);
    }
    send(res, 200, found[1]);
  }

  function activityLog(res: ServerResponse, url: URL): void {
    const filter = url.searchParams.get('$filter') ?? '';
    const from = /eventTimestamp ge '([^']+)'/.exec(filter)?.[1];
    const to = /eventTimestamp le '([^']+)'/.exec(filter)?.[1];
    const resourceUri = /resourceUri eq '([^']+)'/.exec(filter)?.[1];
    if (!from || !to) return azureError(res, 400, 'BadRequest', 'The $filter must name an eventTimestamp range.');
    const events = (resourceUri ? (activity.get(resourceUri.toLowerCase()) ?? []) : [...activity.values()].flat()).filter((e) => {
      const at = Date.parse((e as { eventTimestamp: string }).eventTimestamp);
      return at >= Date.parse(from) && at <= Date.parse(to);
    });
    send(res, 200, { value: events });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const agent = new Agent({ ca: cert, keepAlive: false });

  return {
    url: `https://127.0.0.1:${port}`,
    caPath: certificate.certPath,
    requests,
    resources,
    apiVersions,
    metrics,
    activity,
    faults,
    reset() {
      apiVersions.clear();
      requests.length = 0;
      for (const queue of Object.values(faults)) queue.length = 0;
      resources.clear();
      metrics.clear();
      activity.clear();
    },
    answerNext(endpoint, body) {
      faults[endpoint].unshift({ status: 200, body: JSON.stringify(body) });
    },
    httpClient() {
      const inner = createDefaultHttpClient();
      return {
        sendRequest(request) {
          request.agent = agent;
          return inner.sendRequest(request);
        },
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      certificate.remove();
    },
  };
}

const AGGREGATIONS = ['average', 'minimum', 'maximum', 'total', 'count'] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

/** The fields Azure puts on a point: only the aggregations asked for, and none when the interval had no sample. */
function aggregate(samples: number[], aggregations: string[]): Partial<Record<Aggregation, number>> {
  if (!samples.length) return {};
  const total = samples.reduce((a, b) => a + b, 0);
  const all: Record<Aggregation, number> = {
    average: total / samples.length,
    minimum: Math.min(...samples),
    maximum: Math.max(...samples),
    total,
    count: samples.length,
  };
  return Object.fromEntries(aggregations.map((a) => [a, all[a as Aggregation]]));
}

/** The minutes a point of the grid covers: a series' value() answers per minute, so a PT5M point aggregates five of them. */
function sampleTimes(at: Date, intervalMs: number, interval: string): Date[] {
  if (interval.toUpperCase() !== 'FULL' && intervalMs <= 60_000) return [at];
  const times: Date[] = [];
  for (let t = at.getTime(); t < at.getTime() + intervalMs; t += 60_000) times.push(new Date(t));
  return times;
}

/** PT1M, PT5M, PT1H, P1D … in milliseconds; 0 when not understood. */
function isoDurationMs(value: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(value);
  if (!m) return 0;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
}

// ---- builders for the documented JSON shapes ----

export const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

export function redisResourceId(name: string, group = 'rg-cache'): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.Cache/redis/${name}`;
}

/** The ARM JSON of a Microsoft.Cache/redis resource (api-version 2024-11-01). */
export function redisResourceJson(
  id: string,
  options: {
    sku?: 'Basic' | 'Standard' | 'Premium';
    capacity?: number;
    shardCount?: number;
    replicasPerPrimary?: number;
    configuration?: Record<string, string>;
    linkedServers?: string[];
  } = {},
): unknown {
  const sku = options.sku ?? 'Standard';
  return {
    id,
    location: 'West Europe',
    name: id.split('/').pop(),
    type: 'Microsoft.Cache/Redis',
    properties: {
      provisioningState: 'Succeeded',
      redisVersion: '6.0.14',
      sku: { name: sku, family: sku === 'Premium' ? 'P' : 'C', capacity: options.capacity ?? 1 },
      enableNonSslPort: false,
      ...(options.shardCount !== undefined ? { shardCount: options.shardCount } : {}),
      replicasPerMaster: options.replicasPerPrimary ?? (sku === 'Basic' ? 0 : 1),
      replicasPerPrimary: options.replicasPerPrimary ?? (sku === 'Basic' ? 0 : 1),
      redisConfiguration: { maxclients: '1000', 'maxmemory-reserved': '30', ...options.configuration },
      hostName: `${id.split('/').pop()}.redis.cache.windows.net`,
      port: 6379,
      sslPort: 6380,
      linkedServers: (options.linkedServers ?? []).map((linked) => ({ id: linked })),
      instances: [{ sslPort: 15000, isMaster: true, isPrimary: true }],
    },
  };
}

/** One activity-log event in the REST shape (EventData). */
export function activityEventJson(resourceId: string, operation: string, at: Date, options: { caller?: string; status?: string; correlationId?: string; category?: string } = {}): unknown {
  const status = options.status ?? 'Succeeded';
  return {
    caller: options.caller ?? 'oncall@example.com',
    channels: 'Operation',
    correlationId: options.correlationId ?? `corr-${operation}-${at.getTime()}`,
    eventDataId: `evt-${Math.round(at.getTime() / 1000)}-${status}`,
    eventName: { value: 'EndRequest', localizedValue: 'End request' },
    category: { value: options.category ?? 'Administrative', localizedValue: options.category ?? 'Administrative' },
    eventTimestamp: at.toISOString(),
    id: `${resourceId}/events/${at.getTime()}`,
    level: 'Informational',
    operationId: `op-${at.getTime()}`,
    operationName: { value: operation, localizedValue: operation },
    resourceGroupName: 'rg-cache',
    resourceProviderName: { value: 'Microsoft.Cache', localizedValue: 'Microsoft.Cache' },
    resourceId,
    status: { value: status, localizedValue: status },
    subStatus: { value: '', localizedValue: '' },
    submissionTimestamp: new Date(at.getTime() + 10_000).toISOString(),
    subscriptionId: SUBSCRIPTION,
  };
}
