// More incidents through Slack: eviction on a full cache, and a Slack workspace with no caches file.
import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { infoField, stagingClient, writeKeys } from '../scenarios/support.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { blockText } from '../support/slack-driver.ts';

const apps: InProcessApp[] = [];

afterAll(async () => {
  await Promise.all(apps.map((h) => h.stop()));
  await stopAllRedis();
});

describe('Slack scenarios', () => {
  it('eviction: allkeys-lru on a 3 MB cache filled past it; the verdict names eviction with its numbers', async () => {
    const redis = await startRedis(['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru']);
    const app = stagingClient(redis.url);
    await writeKeys(app, 'cache:', 0, 6_000, 1_000);
    expect(await infoField(app, 'evicted_keys')).toBeGreaterThan(0);
    let missing = 0;
    while ((await app.exists(`cache:${missing}`)) === 1) missing += 1;
    await app.quit();

    const h = await startSlackApp({ caches: `caches:\n  catalog:\n    url: redis://127.0.0.1:${redis.port}\n    tier: standard\n` });
    apps.push(h);
    await h.command(`catalog cache:${missing} since 1h scope partial`, 'U0ONCALL');
    const root = await h.root();
    const verdict = await h.verdict(root);
    expect(verdict.metadata?.event_payload).toMatchObject({ verdict: 'explained', cause: 'eviction', likelihood: 'likely', cache: 'catalog' });
    const text = blockText(verdict);
    expect(text).toMatch(/evicted_keys [\d,]+/);
    expect(text).toContain('*Fixes*');
    expect(text).toMatch(/\*(Ruled out|Unlikely)\*/);
    // No Azure resource configured: the Azure checks are listed as not run, with the reason.
    expect(text).toContain('*Could not check*');
    // Said once, not once per check and again from the report.
    expect(text.match(/no Azure resource configured/g)).toHaveLength(1);
    expect(h.fake.breaches).toEqual([]);
  });

  it('without a caches file, /keyloss says no caches are configured and never takes a URL', async () => {
    const h = await startSlackApp({ caches: null });
    apps.push(h);
    const res = await h.command('redis://:pw@cache.example.com:6380 session:1', 'U0ONCALL');
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(res.json)).toMatch(/No caches are configured for keyloss in Slack/);
    expect(JSON.stringify(res.json)).toMatch(/Connection strings are never accepted in Slack/);
    expect(JSON.stringify(res.json)).not.toContain('pw@');
    expect(h.fake.messages).toEqual([]);
  });

  it('a connection string typed into Slack is refused and not repeated, even with caches configured', async () => {
    const h = apps[0]!;
    const res = await h.command('rediss://:t0p-secret-key@cache.example.com:6380 session:1', 'U0ONCALL');
    expect(JSON.stringify(res.json)).toMatch(/connection strings are never accepted in Slack/);
    expect(JSON.stringify(res.json)).not.toContain('t0p-secret-key');
  });
});
