// rediss:// against a real TLS redis-server whose certificate we do not trust: a readable TLS reason, no password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget } from '../../src/redis/target.ts';
import { makeCertificate, type TestCertificate } from '../support/certificate.ts';
import { freePort, startRedis, stopRedis, tlsArgs, type RedisProcess } from '../support/redis-server.ts';

const PASSWORD = 'tls-test-password-0451';
let server: RedisProcess;
let tlsPort: number;
let certificate: TestCertificate;

beforeAll(async () => {
  certificate = makeCertificate();
  tlsPort = await freePort();
  server = await startRedis(['--requirepass', PASSWORD, ...tlsArgs(tlsPort, certificate)]);
});

afterAll(async () => {
  await stopRedis(server);
  certificate.remove();
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
