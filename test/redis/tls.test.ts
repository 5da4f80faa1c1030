// rediss:// against a real TLS redis-server whose certificate we do not trust: a readable TLS reason, no password.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget } from '../../src/redis/target.ts';
import { freePort, startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';

const PASSWORD = 'tls-test-password-0451';
let server: RedisProcess;
let tlsPort: number;
let certDir: string;

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'keyloss-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
  ], { stdio: 'ignore' });
  tlsPort = await freePort();
  server = await startRedis([
    '--requirepass', PASSWORD,
    '--tls-port', String(tlsPort),
    '--tls-cert-file', join(certDir, 'cert.pem'),
    '--tls-key-file', join(certDir, 'key.pem'),
    '--tls-ca-cert-file', join(certDir, 'cert.pem'),
    '--tls-auth-clients', 'no',
  ]);
});

afterAll(async () => {
  await stopRedis(server);
  rmSync(certDir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('reports an untrusted certificate as a TLS handshake failure naming host:port', async () => {
    const opened = await openTarget(`rediss://:${PASSWORD}@localhost:${tlsPort}`, { connectTimeoutMs: 3000 });
    expect(opened).toEqual({
      ok: false,
      kind: 'unreachable',
      endpoint: `localhost:${tlsPort}`,
      reason: expect.stringMatching(/^TLS handshake failed: .*self.signed certificate/i),
    });
    expect(JSON.stringify(opened)).not.toContain(PASSWORD);
  });

  it('plain redis:// against a TLS port is reset, and the reason suggests rediss://', async () => {
    const opened = await openTarget(`redis://:${PASSWORD}@localhost:${tlsPort}`, { connectTimeoutMs: 3000 });
    expect(opened).toEqual({
      ok: false,
      kind: 'unreachable',
      endpoint: `localhost:${tlsPort}`,
      reason: expect.stringMatching(/^(connection reset by the server|the server closed the connection); if this port expects TLS \(Azure: 6380\), use rediss:\/\/$/),
    });
    expect(JSON.stringify(opened)).not.toContain(PASSWORD);
  });
});
