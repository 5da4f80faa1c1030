// Flood benchmark: the ack time of signed Slack requests and of tokened alerts while twelve streams post 4 MB junk
// bodies at a real keyloss process (HTTP mode, the fake Slack API, a state Redis): junk without a Slack signature,
// junk with a forged signature and a fresh timestamp (the worst case: it must be read and its HMAC computed), and junk
// to the alert route without a token. Each stream posts its next body as soon as the last one is answered or refused.
// Run alone: npm run bench -- flood
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { startApp, startSurroundings } from '../test/support/app-process.ts';
import { postAlert } from '../test/support/azure-alert.ts';
import { alertSample } from '../test/support/alert-samples.ts';
import { slackDriver } from '../test/support/slack-driver.ts';
import { percentile, round } from './load.ts';
import type { BenchSize } from './registry.ts';

const SIZES: Record<BenchSize, { streams: number; junkBytes: number; samples: number }> = {
  full: { streams: 12, junkBytes: 4 * 1024 * 1024, samples: 100 },
  smoke: { streams: 2, junkBytes: 256 * 1024, samples: 5 },
};
let sized = SIZES.full;
const ALERT_TOKEN = 'bench-flood-alert-token-5e1f';

/** One 4 MB JSON body, posted with `headers`; resolves when the server has answered or closed, whatever it was. */
function postJunk(url: URL, body: Buffer, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length), ...headers } }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end(body);
  });
}

/** `streams` streams of junk until stopped; `sent` counts the bodies begun. */
function flood(url: URL, headers: () => Record<string, string>): { stop(): Promise<void>; sent(): number } {
  const body = Buffer.from(`{"junk":"${'x'.repeat(sized.junkBytes - 12)}"}`);
  let running = true;
  let sent = 0;
  const streams = Array.from({ length: sized.streams }, async () => {
    while (running) {
      sent += 1;
      await postJunk(url, body, headers());
    }
  });
  return {
    sent: () => sent,
    stop: async () => {
      running = false;
      await Promise.all(streams);
    },
  };
}

export async function benchFlood(size: BenchSize = 'full'): Promise<Record<string, number | string>> {
  sized = SIZES[size];
  // The scenario names say what was sent: "12 x 4 MB" at full size, "2 x 256 KB" at smoke size.
  const junk = `${sized.streams} x ${sized.junkBytes >= 1024 * 1024 ? `${sized.junkBytes / 1024 / 1024} MB` : `${sized.junkBytes / 1024} KB`}`;
  const surroundings = await startSurroundings();
  let app: Awaited<ReturnType<typeof startApp>> | null = null;
  try {
    app = await startApp('bench-flood', surroundings.env({ KEYLOSS_ALERT_TOKEN: ALERT_TOKEN, KEYLOSS_ALERT_CHANNEL: 'C0BENCHFLOOD' }));
    const slack = slackDriver(surroundings.fake, app);
    const events = new URL(app.eventsUrl);
    const alerts = new URL(`http://127.0.0.1:${app.port}/alerts/azure-monitor`);
    let alertCount = 0;
    // The signed requests measured: `/keyloss help` (acked with the usage) and a tokened alert (202).
    const signedAck = async () => (await slack.command('help', 'UBENCHFLOOD')).ms;
    const alertAck = async () => {
      const body = alertSample('cost-budget-actual');
      alertCount += 1;
      body.data.essentials.alertId = `${body.data.essentials.alertId}-${alertCount}`;
      const res = await postAlert(alerts.href, body, { token: ALERT_TOKEN });
      if (res.status !== 202) throw new Error(`the tokened alert was answered ${res.status}`);
      return res.ms;
    };
    const measure = async (ack: () => Promise<number>) => {
      const ms: number[] = [];
      for (let i = 0; i < sized.samples; i++) {
        ms.push(await ack());
        await new Promise((r) => setTimeout(r, 20));
      }
      return ms;
    };
    // Warm-up: module loading and JIT are not counted.
    await measure(signedAck);
    await measure(alertAck);

    const scenarios: Array<{ name: string; url: URL; headers: () => Record<string, string>; ack: () => Promise<number> }> = [
      { name: 'no junk, Slack', url: events, headers: () => ({}), ack: signedAck },
      { name: `${junk} unsigned to /slack/events`, url: events, headers: () => ({}), ack: signedAck },
      {
        name: `${junk} forged signature to /slack/events`,
        url: events,
        headers: () => ({ 'X-Slack-Request-Timestamp': String(Math.floor(Date.now() / 1000)), 'X-Slack-Signature': `v0=${'0'.repeat(64)}` }),
        ack: signedAck,
      },
      { name: 'no junk, alert', url: alerts, headers: () => ({}), ack: alertAck },
      { name: `${junk} without token to /alerts/azure-monitor`, url: alerts, headers: () => ({}), ack: alertAck },
    ];
    const results: Record<string, number | string> = {};
    for (const scenario of scenarios) {
      const stream = scenario.name.startsWith('no junk') ? null : flood(scenario.url, scenario.headers);
      if (stream) await new Promise((r) => setTimeout(r, 500));
      const ms = await measure(scenario.ack);
      const sent = stream?.sent() ?? 0;
      await stream?.stop();
      results[`${scenario.name}: ack p50 ms`] = round(percentile(ms, 50));
      results[`${scenario.name}: ack p99 ms`] = round(percentile(ms, 99));
      results[`${scenario.name}: ack max ms`] = round(Math.max(...ms));
      if (stream) results[`${scenario.name}: junk bodies begun`] = sent;
    }
    results['load average (1 min) at the end'] = round(loadavg()[0]!);
    return results;
  } finally {
    await app?.stop();
    await surroundings.close();
  }
}
