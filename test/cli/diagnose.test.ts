// `keyloss diagnose` as a child process: the JSON contract, exit codes, one-line errors, and no secret on any path.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { runDiagnose as keyloss, type Run } from '../support/keyloss-cli.ts';
import { ContractReport } from './contract-schema.ts';

const PASSWORD = 'S3cret-Pa55word-xyz';

function expectNoSecret(run: Run): void {
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
  }
}

function expectOneLineError(run: Run, code: number, ...mentions: (string | RegExp)[]): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^keyloss diagnose: /);
  for (const mention of mentions) expect(lines[0]).toMatch(mention);
}

let plain: RedisProcess;
let guarded: RedisProcess;

beforeAll(async () => {
  [plain, guarded] = await Promise.all([startRedis(), startRedis(['--requirepass', PASSWORD])]);
  const app = new Redis(plain.url);
  await app.set('session:1', 'a');
  await app.quit();
});
afterAll(() => stopAllRedis());

describe('keyloss diagnose', () => {
  it('prints a JSON report that matches the contract, and exits 0', async () => {
    const run = await keyloss(['--redis', `${plain.url}/0`, '--key', 'session:17', '--since', '15m', '--tier', 'standard', '--json', '--rate-interval', '100']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as unknown;
    const parsed = ContractReport.safeParse(report);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    const data = parsed.data!;
    expect(data.target).toEqual({ host: '127.0.0.1', port: plain.port, db: 0, tls: false });
    expect(data.query.tier).toBe('standard');
    expect(data.query.key).toBe('session:17');
    expect(Date.now() - Date.parse(data.query.since)).toBeGreaterThanOrEqual(15 * 60_000);
    expect(data.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['info', 'keyspace.presence', 'memory', 'rates', 'azure.metrics']));
    expect(data.checks.find((c) => c.id === 'azure.metrics')?.status).toBe('skipped');
    expect(data.key).toEqual({ pattern: 'session:17', present: false, matches: [] });
  });

  it('takes the tiers Azure sells now, as the portal writes them or as its SKU, and keeps the old ones', async () => {
    const runs = await Promise.all(
      ['Memory Optimized', 'Balanced_B5', 'enterprise-flash', 'Enterprise'].map((tier) =>
        keyloss(['--redis', `${plain.url}/0`, '--key', 'session:17', '--since', '15m', '--tier', tier, '--json', '--rate-interval', '0']),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const tiers = runs.map((run) => ContractReport.parse(JSON.parse(run.stdout)).query.tier);
    expect(tiers).toEqual(['memory-optimized', 'balanced', 'enterprise-flash', 'enterprise']);
  });

  it('says no-loss for a present key, takes the db from the URL and REDIS_URL as the default target', async () => {
    const run = await keyloss(['--key', 'session:1', '--json', '--rate-interval', '0'], { REDIS_URL: `${plain.url}/0` });
    expect(run.code, run.stderr).toBe(0);
    const report = ContractReport.parse(JSON.parse(run.stdout));
    expect(report.verdict).toBe('no-loss');
    expect(report.target.port).toBe(plain.port);
  });

  it('prints a readable text report without --json', async () => {
    const run = await keyloss(['--redis', plain.url, '--key', 'session:*', '--db', '4', '--rate-interval', '0']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^keyloss: session:\* on 127\.0\.0\.1:\d+ db 4/);
    expect(run.stdout).toMatch(/Verdict: (EXPLAINED|INCONCLUSIVE)/);
    expect(run.stdout).toContain('Checks');
    expect(run.stdout).not.toContain('\u001b[');
  });

  it.each([
    [['--key'], /--key needs a value/],
    [['--redis', 'redis://127.0.0.1:1'], /--key is required/],
    [['--key', 'k', '--db', 'abc'], /--db: .*whole number from 0/],
    [['--key', 'k', '--since', 'tomorrow'], /--since: .*ISO time .* duration/],
    [['--key', 'k', '--tier', 'gold'], /--tier: “gold” is not a tier; use basic, standard, premium, enterprise, enterprise-flash, memory-optimized, balanced, compute-optimized, flash-optimized \(or the SKU Azure shows, such as Balanced_B5\)/],
    [['--key', 'k', '--scope', 'some'], /--scope: .*partial .*complete/],
    [['--key', 'k', '--bogus'], /--bogus is not a flag; accepted: --redis, --key/],
    [['--key', 'k', '--rate-interval', 'soon'], /--rate-interval: .*milliseconds/],
    [['--key', 'k', '--redis', 'http://example.com'], /--redis: unsupported scheme/],
    [['--key', 'k', '--azure-resource', '/subscriptions/x'], /--azure-resource needs --azure-region/],
    [['--key', 'k', 'stray'], /unexpected argument/],
    [['--key', 'k', '--json=yes'], /--json takes no value/],
  ])('exits 2 with one line naming the flag for %j', async (args, message) => {
    expectOneLineError(await keyloss(args), 2, message);
  });

  it('prints the usage with --help and exits 0', async () => {
    const run = await keyloss(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('usage: keyloss diagnose');
    expect(run.stdout).toContain('--rate-interval');
  });

  it('exits 3 naming host:port when nothing listens there', async () => {
    const port = await freePort();
    const run = await keyloss(['--redis', `redis://:${PASSWORD}@127.0.0.1:${port}`, '--key', 'k']);
    expectOneLineError(run, 3, `127.0.0.1:${port}`);
    expectNoSecret(run);
  });

  it('exits 3 naming host:port when the password is refused, and never prints it', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const run = await keyloss(['--redis', `redis://default:${wrong}@127.0.0.1:${guarded.port}`, '--key', 'k', '--json']);
    expectOneLineError(run, 3, `127.0.0.1:${guarded.port}`, /refused the credentials/);
    expect(run.stderr).not.toContain(wrong);
    expectNoSecret(run);
  });

  it('keeps the password out of every output on every path', async () => {
    const url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${guarded.port}`;
    // Independent runs, started together: each is a whole process start.
    const [ok, text, ...refused] = await Promise.all([
      keyloss(['--redis', url, '--key', 'k', '--json', '--rate-interval', '0']),
      keyloss(['--redis', url, '--key', 'k', '--rate-interval', '0']),
      ...[
        ['--redis', url, '--key', 'k', '--db', 'x'],
        ['--redis', url, '--key', 'k', PASSWORD],
        [`--redis=${url}`, '--key', 'k', `--bogus=${PASSWORD}`],
        ['--redis', `redis://:${PASSWORD}@[::1`, '--key', 'k'],
      ].map((args) => keyloss(args, { REDIS_URL: url })),
      keyloss(['--key', 'k', '--rate-interval', '0'], { REDIS_URL: url }),
    ]);
    expect(ok!.code, ok!.stderr).toBe(0);
    expect(text!.code, text!.stderr).toBe(0);
    const fromEnv = refused.pop()!;
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    for (const run of refused) expect(run.code, run.stderr).toBe(2);
    for (const run of [ok!, text!, fromEnv, ...refused]) expectNoSecret(run);
  });

});
