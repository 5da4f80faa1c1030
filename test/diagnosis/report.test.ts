import { describe, expect, it } from 'vitest';
import { buildReport, summarizeChecks } from '../../src/report/build.ts';
import { renderText } from '../../src/report/text.ts';
import type { CheckId } from '../../src/domain/checks.ts';
import { ContractReport } from '../cli/contract-schema.ts';
import { makeEvidence, NOW } from './evidence-fixture.ts';
import { runbook } from './runbook-fixture.ts';

const MB = 1024 * 1024;
const ORDER: CheckId[] = ['info', 'keyspace.presence', 'keyspace.ttl-sample', 'clients', 'memory', 'commands.deletion', 'replication', 'persistence.restart', 'rates', 'azure.resource', 'azure.metrics', 'azure.activity-log'];

function reportFor(evidence: ReturnType<typeof makeEvidence>) {
  return buildReport({
    evidence,
    runbook,
    target: { host: '127.0.0.1', port: 6390, tls: false },
    cache: 'orders-prod',
    checks: summarizeChecks(evidence.results, ORDER, { memory: 'Memory and eviction' }),
    generatedAt: NOW,
  });
}

describe('buildReport', () => {
  it('matches the JSON contract and carries the additive fields', () => {
    const evidence = makeEvidence('session:*', {
      memory: { usedMemory: 4 * MB, maxmemory: 4 * MB, policy: 'allkeys-lru', evictedKeys: 25_611 },
      'azure.metrics': { failed: 'Azure Monitor refused the token for /subscriptions/…: 403' },
      'azure.activity-log': { skipped: 'no Azure resource configured' },
    }, { db: 2 });
    const report = reportFor(evidence);
    const parsed = ContractReport.safeParse(JSON.parse(JSON.stringify(report)));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(report.target).toEqual({ host: '127.0.0.1', port: 6390, db: 2, tls: false });
    expect(report.query).toEqual({ key: 'session:*', since: '2026-11-26T05:00:00.000Z', tier: null, scope: 'complete' });
    expect(report.tierSource).toBe('unknown');
    expect(report.cache).toBe('orders-prod');
    expect(report.checks.find((c) => c.id === 'memory')).toEqual({ id: 'memory', status: 'ok', ms: 5, title: 'Memory and eviction' });
    expect(report.checks.find((c) => c.id === 'azure.metrics')).toMatchObject({ status: 'failed', error: expect.stringContaining('403') });
    expect(report.checks.find((c) => c.id === 'azure.activity-log')).toMatchObject({ status: 'skipped', reason: 'no Azure resource configured' });
    expect(report.checks.map((c) => c.id)).toEqual(ORDER.filter((id) => evidence.results[id]));
    expect(report.verdict).toBe('explained');
    expect(report.generatedAt).toBe(NOW.toISOString());
  });

  it('takes the tier from Azure and the metric sparklines when Azure was read', () => {
    const report = reportFor(
      makeEvidence('k', {
        'azure.resource': {
          kind: 'redis', sku: 'Standard', tier: 'standard', shardCount: 0, replicasPerPrimary: 1, redisVersion: '6.0', maxmemoryPolicy: 'volatile-lru',
          maxmemoryReserved: null, rdbBackupEnabled: false, aofBackupEnabled: false, notifyKeyspaceEvents: null, geoReplicated: false,
        },
        'azure.metrics': {
          window: { from: '2026-11-26T04:00:00Z', to: NOW.toISOString(), interval: 'PT5M' },
          series: [],
          events: [],
          sparklines: [EVICTED_LINE],
        },
      }, { tier: 'premium' }),
    );
    expect(report.query.tier).toBe('standard');
    expect(report.tierSource).toBe('azure');
    expect(report.metrics).toEqual([EVICTED_LINE]);
    expect(report.metricsWindow).toEqual({ from: '2026-11-26T04:00:00Z', to: NOW.toISOString(), interval: 'PT5M' });
  });
});

const EVICTED_LINE = {
  metric: 'evictedkeys',
  line: '▁▁▂▇█',
  min: 0,
  max: 25_611,
  change: 'rose at 05:31 UTC',
  unit: 'Count',
  aggregation: 'Total' as const,
  points: [{ at: '2026-11-26T05:30:00.000Z', value: 0 }, { at: '2026-11-26T05:35:00.000Z', value: 25_611 }],
  changes: [{ kind: 'spike' as const, from: '2026-11-26T05:30:00.000Z', to: '2026-11-26T05:35:00.000Z', summary: 'rose at 05:31 UTC' }],
};

describe('renderText', () => {
  it("says how each node's scans were paced, for three nodes at most, and what INFO told of the others' load", () => {
    const report = reportFor(makeEvidence('session:*', {}));
    const node = (port: number) => ({ address: `10.0.0.4:${port}`, readings: 12, duty: [0.05, 0.75] as [number, number], count: [20, 3013] as [number, number], othersOpsPerSecMax: 95_210, othersCpuMax: 0.482 });
    report.key.pacing = [node(6379), { ...node(6380), duty: [0.2, 0.2], count: [500, 500], othersOpsPerSecMax: null, othersCpuMax: null }, node(6381), node(6382), node(6383)];
    const text = renderText(report, { color: false, width: 200 });
    expect(text).toContain('Scans on 10.0.0.4:6379 were paced to 5–75 % of its time (SCAN COUNT 20–3,013); others sent it up to 95,210 commands/s and used up to 48 % of its main thread.');
    expect(text).toContain('Scans on 10.0.0.4:6380 were paced to 20 % of its time (SCAN COUNT 500); its INFO did not say how busy it was, so the pace stayed fixed.');
    expect(text).toContain('10.0.0.4:6381');
    expect(text).not.toContain('10.0.0.4:6382');
    expect(text).toContain('and 2 more nodes (key.pacing in --json)');
    delete report.key.pacing;
    expect(renderText(report, { color: false })).not.toContain('Scans on');
  });

  it('shows headline, verdict, the likely cause with evidence and fixes, the others, checks and what was not checked', () => {
    const report = reportFor(
      makeEvidence('session:*', {
        memory: { usedMemory: 4 * MB, maxmemory: 4 * MB, policy: 'allkeys-lru', evictedKeys: 25_611 },
        'commands.deletion': { failed: 'ERR unknown command' },
      }),
    );
    const text = renderText(report, { color: false });
    expect(text).toContain(report.headline.slice(0, 40));
    expect(text).toContain('Verdict: EXPLAINED');
    expect(text).toContain('● LIKELY  Keys evicted because the cache ran out of memory');
    expect(text).toContain('evicted_keys 25,611');
    expect(text).toContain('What to do');
    expect(text).toContain('1. ');
    expect(text).toMatch(/unknown\s+Keys deleted by a client/);
    expect(text).toMatch(/failed\s+commands\.deletion\s+5 ms\s+ERR unknown command/);
    expect(text).toContain('Could not check');
    expect(text).not.toContain('\u001b[');
    expect(renderText(report, { color: true })).toContain('\u001b[');
  });

  it('cannot be made to drive the terminal by a key name', () => {
    const evil = makeEvidence('x', {
      'commands.deletion': {
        calls: { del: 1, unlink: 0, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 },
        slowlog: [{ address: '10.0.0.4:6379', at: NOW.toISOString(), durationUs: 1, command: 'del', key: 'x', client: '\u001b]0;pwned\u0007' }],
      },
    });
    const text = renderText(reportFor(evil), { color: false });
    expect(text).not.toMatch(/[\u001b\u0007]/);
  });

  it('renders sparklines when present', () => {
    const report = {
      ...reportFor(makeEvidence('k')),
      metrics: [{ metric: 'usedmemorypercentage', line: '▁▃▅█', min: 12, max: 99, change: null, unit: 'Percent', aggregation: 'Maximum' as const, points: [], changes: [] }],
    };
    expect(renderText(report, { color: false })).toMatch(/usedmemorypercentage\s+▁▃▅█\s+min 12 %, max 99 %/);
  });
});
