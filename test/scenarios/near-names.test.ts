// A key typo: nothing matches the asked name anywhere while a near name (case, separator, a leading segment) does; the
// report says so first, with the near name and its count, on a real redis-server, in the text and the JSON report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearName } from '../../src/domain/near-names.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { runDiagnose } from '../support/keyloss-cli.ts';
import { ContractReport } from '../cli/contract-schema.ts';
import { stagingClient, writeKeys } from './support.ts';

describe('nearName', () => {
  const names = [...Array.from({ length: 30 }, (_, i) => `order:${i}`), 'app:cart:1', 'app:cart:2', 'user_5'];

  it('finds the family that differs in case, a separator or a leading segment', () => {
    expect(nearName('ORDER:17', false, names)).toEqual({ name: 'order:*', isPattern: true, differs: ['case'], seen: 30, key: 'order:17' });
    expect(nearName('ORDER:*', true, names)).toEqual({ name: 'order:*', isPattern: true, differs: ['case'], seen: 30 });
    expect(nearName('order_*', true, names)).toMatchObject({ name: 'order:*', differs: ['separator'] });
    expect(nearName('cart:*', true, names)).toMatchObject({ name: 'app:cart:*', differs: ['prefix'], seen: 2 });
    expect(nearName('shop:order:*', true, names)).toMatchObject({ name: 'order:*', differs: ['prefix'] });
    expect(nearName('Order-17', false, names)).toMatchObject({ name: 'order:*', differs: ['case', 'separator'], key: 'order:17' });
  });

  it('finds nothing when the names are not near, or match what was asked', () => {
    expect(nearName('order:*', true, names)).toBeNull();
    expect(nearName('invoice:*', true, names)).toBeNull();
    expect(nearName('order:17', false, ['order:16'])).toBeNull();
  });
});

describe('a key typo on a real redis-server', () => {
  let redis: RedisProcess;
  const since = new Date(Date.now() - 10 * 60_000).toISOString();

  beforeAll(async () => {
    redis = await startRedis();
    const app = stagingClient(redis.url);
    await writeKeys(app, 'order:', 0, 2_500, 16);
    await app.select(2);
    await writeKeys(app, 'app:cart:', 0, 40, 16);
    await app.quit();
  });
  afterAll(() => stopAllRedis());

  const diagnose = async (key: string, json: boolean) => {
    const run = await runDiagnose(['--redis', redis.url, '--key', key, '--since', since, '--rate-interval', '0', ...(json ? ['--json'] : [])]);
    expect(run.code, run.stderr).toBe(0);
    return run.stdout;
  };

  it('ORDER:17 where 2,500 order:* keys exist: said first, with the near name and its count (JSON, an added field)', async () => {
    const report = JSON.parse(await diagnose('ORDER:17', true));
    expect(ContractReport.safeParse(report).success).toBe(true);
    expect(report.key.matches).toEqual([]);
    expect(report.key.near).toEqual({ name: 'order:*', isPattern: true, differs: ['case'], db: 0, count: 2_500, sampled: false, key: 'order:17', keyExists: true });
    expect(report.headline).toMatch(/^Nothing matches ORDER:17 in any db, but 2,500 keys match order:\* in db 0 \(case differs\); order:17 exists there: check the name the application uses\. /);
  });

  it('the text report leads with it, and repeats it under Key', async () => {
    const text = await diagnose('ORDER:*', false);
    const prose = (part: string) => part.replace(/\s+/g, ' ').trim();
    // The line after the title is the headline, and it starts with the near name.
    const headline = prose(text.slice(text.indexOf('\n\n'), text.indexOf('Verdict:')));
    expect(headline).toMatch(/^Nothing matches ORDER:\* in any db, but 2,500 keys match order:\* in db 0 \(case differs\): check the name the application uses\. /);
    const key = prose(text.slice(text.indexOf('\nKey\n'), text.indexOf('\nChecks\n')));
    expect(key).toMatch(/^Key ORDER:\*: not found in db 0 Nothing matches ORDER:\* in any db, but 2,500 keys match order:\*/);
  });

  it('a separator, and a prefix in another db', async () => {
    expect(JSON.parse(await diagnose('order_*', true)).key.near).toMatchObject({ name: 'order:*', differs: ['separator'], db: 0, count: 2_500 });
    expect(JSON.parse(await diagnose('cart:*', true)).key.near).toMatchObject({ name: 'app:cart:*', differs: ['prefix'], db: 2, count: 40, sampled: false });
  });

  it('says nothing of near names when none is near, or when the name matches', async () => {
    const none = JSON.parse(await diagnose('invoice:*', true));
    expect(none.key.near).toBeUndefined();
    expect(none.headline).not.toMatch(/Nothing matches/);
    const found = JSON.parse(await diagnose('order:*', true));
    expect(found.key.near).toBeUndefined();
  });
});
