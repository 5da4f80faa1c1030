// Azure answers capped before anything is stored: the fake Azure answers 100,000 points per series (in Microsoft's
// metrics batch shape) to an alert-started investigation in the real app process; the verdict is posted in the thread
// and what the state Redis holds stays small (a 37 MB investigation record and no verdict before the cap).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useAlertApp } from '../support/alert-app.ts';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { redisResourceId, redisResourceJson } from '../support/fake-azure.ts';

const ALERT_TOKEN = 'alert-token-points-7c1e5a9b3d';
const RESOURCE = redisResourceId('orders-points');
const ALERTS = 'C0POINTS';
const MIN = 60_000;
const POINTS = 100_000;
const incident = new Date(Math.floor((Date.now() - 10 * MIN) / MIN) * MIN);

const h = useAlertApp({
  name: 'azure-points',
  resource: RESOURCE,
  channel: ALERTS,
  fallback: 'C0POINTSFALLBACK',
  alertToken: ALERT_TOKEN,
  rateIntervalMs: 100,
  prepare(azure) {
    azure.resources.set(RESOURCE, redisResourceJson(RESOURCE, { sku: 'Standard' }));
    azure.metrics.set(RESOURCE.toLowerCase(), [{ metric: 'totalkeys', dimensions: { shardid: '0' }, value: () => 100 }]);
  },
});

/** One metrics batch answer holding `names`, each a series of POINTS points across the incident window. */
function hugeAnswer(names: string[]): unknown {
  const from = incident.getTime() - 30 * MIN;
  const step = (40 * MIN) / POINTS;
  const data = Array.from({ length: POINTS }, (_, i) => {
    const at = from + i * step;
    const value = at < incident.getTime() ? 64_000 + (i % 100) : 12;
    return { timeStamp: new Date(at).toISOString(), maximum: value, total: value };
  });
  return {
    values: [
      {
        starttime: new Date(from).toISOString(),
        endtime: new Date(from + 40 * MIN).toISOString(),
        interval: 'PT1M',
        namespace: 'microsoft.cache/redis',
        resourceregion: 'westeurope',
        resourceid: RESOURCE,
        value: names.map((name) => ({
          id: `${RESOURCE}/providers/Microsoft.Insights/metrics/${name}`,
          type: 'Microsoft.Insights/metrics',
          name: { value: name, localizedValue: name },
          displayDescription: `The ${name} metric.`,
          unit: 'Count',
          timeseries: [{ metadatavalues: [{ name: { value: 'shardid', localizedValue: 'shardid' }, value: '0' }], data }],
          errorCode: 'Success',
        })),
      },
    ],
  };
}

/** Bytes the state Redis holds, all keys together (MEMORY USAGE; this is the test's own state Redis). */
async function stateBytes(port: number): Promise<{ total: number; largest: number }> {
  const redis = new Redis(port, '127.0.0.1');
  try {
    let total = 0;
    let largest = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const bytes = Number((await redis.call('MEMORY', 'USAGE', key)) ?? 0);
        total += bytes;
        largest = Math.max(largest, bytes);
      }
    } while (cursor !== '0');
    return { total, largest };
  } finally {
    redis.disconnect();
  }
}

describe('Azure answering 100,000 points per series', () => {
  it('re-bins them before anything is stored: the verdict is posted and the record stays small', async () => {
    // Either of the two metrics requests (the keys and memory metrics, or errors) may be answered first.
    const body = hugeAnswer(['totalkeys', 'expiredkeys', 'errors']);
    h.azure.answerNext('metrics', body);
    h.azure.answerNext('metrics', body);
    const res = await postAlert(
      h.route,
      commonAlert({ alertId: '/alerts/points-1', target: RESOURCE, firedAt: new Date(incident.getTime() + 2 * MIN), windowStart: new Date(incident.getTime() - 15 * MIN), windowEnd: new Date(incident.getTime() + 2 * MIN) }),
      { token: ALERT_TOKEN },
    );
    expect(res.status).toBe(202);
    const root = await h.slack.root(ALERTS);
    await h.slack.verdict(root);
    const { total, largest } = await stateBytes(h.surroundings.state.port);
    process.stdout.write(`state Redis after a 100k-point Azure answer: ${total} bytes, largest key ${largest} bytes\n`);
    expect(largest).toBeLessThan(1024 ** 2);
    expect(total).toBeLessThan(2 * 1024 ** 2);
    expect(h.surroundings.fake.breaches).toEqual([]);
  }, 120_000);
});
