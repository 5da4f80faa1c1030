// `keyloss diagnose --entra` as a child process against a TLS redis-server whose only user is an Entra object id:
// the token (KEYLOSS_AZURE_TEST_TOKEN, in place of DefaultAzureCredential) signs in, and appears nowhere in the output.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from '../support/certificate.ts';
import { entraToken } from '../support/entra.ts';
import { runDiagnose, type Run } from '../support/keyloss-cli.ts';
import { freePort, startRedis, stopRedis, tlsArgs, type RedisProcess } from '../support/redis-server.ts';

const OID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TOKEN = entraToken({ oid: OID, tid: '72f988bf-0000-0000-0000-000000000000' });
/** The custom data access policy in the README, word for word. */
const KEYLOSS_POLICY = readmePolicy();

function readmePolicy(): string {
  const match = /`(\+@read \+@connection [^`]+ ~\*)`/.exec(readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8'));
  if (!match) throw new Error('README.md no longer shows the custom data access policy for keyloss');
  return match[1]!;
}

let certificate: TestCertificate;
let server: RedisProcess;
let tlsPort: number;

function diagnose(args: string[], env: Record<string, string>): Promise<Run> {
  // The child trusts the test certificate the way an operator would trust a private CA.
  return runDiagnose(['--key', 'session:1', '--rate-interval', '0', ...args], { NODE_EXTRA_CA_CERTS: certificate.certPath, ...env });
}

function expectNoToken(run: Run): void {
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.split('.')[1]!);
  }
}

beforeAll(async () => {
  certificate = makeCertificate();
  tlsPort = await freePort();
  // As on an Azure cache with access keys disabled: no default user, one user per Entra identity, its token as password,
  // holding exactly the read-only data access policy the README recommends for keyloss.
  server = await startRedis([
    ...tlsArgs(tlsPort, certificate),
    '--user', 'default', 'off',
    '--user', OID, 'on', `>${TOKEN}`, ...KEYLOSS_POLICY.split(' '),
    '--user', 'app', 'on', '>app-password-0123456789', '~*', '+@all',
  ]);
  const app = new Redis({ host: 'localhost', port: tlsPort, username: 'app', password: 'app-password-0123456789', tls: { ca: certificate.cert, servername: 'localhost' }, lazyConnect: true });
  await app.connect();
  await app.set('session:1', 'x');
  await app.quit();
}, 30_000);

afterAll(async () => {
  if (server) await stopRedis(server);
  certificate?.remove();
});

describe('diagnose --entra', () => {
  it('signs in as the token\'s object id and diagnoses: the key is there, no-loss', async () => {
    const run = await diagnose(['--redis', `rediss://localhost:${tlsPort}`, '--entra', '--json'], { KEYLOSS_AZURE_TEST_TOKEN: TOKEN });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { verdict: string; target: { tls: boolean }; checks: Array<{ id: string; status: string }> };
    expect(report.verdict).toBe('no-loss');
    expect(report.target.tls).toBe(true);
    // Under the recommended policy every Redis check runs; only the Azure ones are skipped (no resource given).
    expect(report.checks.filter((c) => c.status !== 'ok').map((c) => `${c.id} ${c.status}`)).toEqual([
      'azure.resource skipped',
      'azure.metrics skipped',
      'azure.activity-log skipped',
    ]);
    expect(run.stdout).not.toMatch(/NOPERM|no permissions/i);
    expectNoToken(run);
  });

  it('without --entra the cache refuses the connection, and the line says the credentials were refused', async () => {
    const run = await diagnose(['--redis', `rediss://localhost:${tlsPort}`], { KEYLOSS_AZURE_TEST_TOKEN: TOKEN });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^keyloss diagnose: The cache at localhost:${tlsPort} refused the credentials: `));
    expectNoToken(run);
  });

  it('a token for another identity is refused by the cache, without either token in the output', async () => {
    const other = entraToken({ oid: '11111111-2222-4333-8444-555555555555' });
    const run = await diagnose(['--redis', `rediss://localhost:${tlsPort}`, '--entra'], { KEYLOSS_AZURE_TEST_TOKEN: other });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/refused the credentials: .*(WRONGPASS|invalid username-password)/i);
    expect(run.stderr + run.stdout).not.toContain(other);
    expectNoToken(run);
  });

  it('--entra over redis:// is a bad argument: a token never travels unencrypted', async () => {
    const run = await diagnose(['--redis', `redis://localhost:${server.port}`, '--entra'], { KEYLOSS_AZURE_TEST_TOKEN: TOKEN });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('keyloss diagnose: --redis: The cache URL cannot be used: Microsoft Entra sign-in sends a token, so it needs TLS: use rediss:// (Azure: port 6380, Azure Managed Redis: 10000)');
  });
});
