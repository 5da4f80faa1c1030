// What a library would say in its own words reaches no one: every command line path prints keyloss's one line instead
// (ioredis's "[WARN] … does not require a password", Node's "ENOENT: no such file or directory, open …",
// "connect ECONNREFUSED …"), names the flag that gave the state Redis, and never the password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyloss } from '../support/keyloss-cli.ts';
import { freePort, startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';

const PASSWORD = 'not-needed-pw-5521';
/** Library text that must not reach a person. */
const LIBRARY_TEXT = /\[WARN\]|\[ERROR\]|ENOENT|ECONNREFUSED|no such file or directory, open|does not require a password/;

let server: RedisProcess;
/** A port nothing listens on. */
let closed: number;
beforeAll(async () => {
  server = await startRedis();
  closed = await freePort();
});
afterAll(stopAllRedis);

function expectOwnWords(run: { stdout: string; stderr: string }): void {
  expect(run.stdout + run.stderr).not.toMatch(LIBRARY_TEXT);
  expect(run.stdout + run.stderr).not.toContain(PASSWORD);
}

describe('library text on the command line', () => {
  it('a password for a server that needs none: one line of keyloss\'s own on stderr (diagnose, watch)', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;
    const diagnose = await runKeyloss('diagnose', ['--redis', url, '--key', 'session:1', '--json']);
    expect(diagnose.code, diagnose.stderr).toBe(0);
    expectOwnWords(diagnose);
    expect(diagnose.stderr).toBe('keyloss diagnose: the Redis server needs no password, so the one given was not used (is it the server you meant?)\n');
    JSON.parse(diagnose.stdout);

    const watch = await runKeyloss('watch', ['--redis', url, '--for', '1s', '--json']);
    expect(watch.code, watch.stderr).toBe(0);
    expectOwnWords(watch);
    expect(watch.stderr.match(/needs no password/g)).toHaveLength(1);
  });

  it('a file that is not there: "it does not exist" (walk --runbook, lint, graph)', async () => {
    const walk = await runKeyloss('walk', ['--runbook', 'runbooks/missing.yaml']);
    expect(walk.stderr).toBe('keyloss walk: runbooks/missing.yaml: cannot read the file: it does not exist\n');
    for (const command of ['lint', 'graph']) {
      const run = await runKeyloss(command, ['runbooks/missing.yaml']);
      expect(run.code).not.toBe(0);
      expectOwnWords(run);
      expect(run.stdout + run.stderr).toMatch(/runbooks\/missing\.yaml: cannot read the file: it does not exist/);
    }
  });

  it('a state Redis that refuses: "connection refused", naming --state when the flag gave it', async () => {
    const state = `redis://:${PASSWORD}@127.0.0.1:${closed}`;
    const diagnose = await runKeyloss('diagnose', ['--redis', server.url, '--key', 'session:1', '--state', state, '--json'], { STATE_REDIS_URL: '' });
    expect(diagnose.code, diagnose.stderr).toBe(0);
    expectOwnWords(diagnose);
    const report = JSON.parse(diagnose.stdout);
    expect(JSON.stringify(report)).toContain(`cannot use the state Redis at 127.0.0.1:${closed} (--state): connection refused`);
    expect(JSON.stringify(report)).not.toContain('STATE_REDIS_URL');

    const status = await runKeyloss('record', ['status', '--state', state]);
    expect(status.code).toBe(3);
    expectOwnWords(status);
    expect(status.stderr).toBe(`keyloss record status: cannot use the state Redis at 127.0.0.1:${closed} (--state): connection refused\n`);

    const record = await runKeyloss('record', ['--redis', server.url, '--state', state]);
    expect(record.code).toBe(3);
    expectOwnWords(record);
    expect(record.stderr).toMatch(new RegExp(`cannot use the state Redis at 127\\.0\\.0\\.1:${closed} \\(--state\\): connection refused`));

    const fromEnv = await runKeyloss('record', ['status'], { STATE_REDIS_URL: state });
    expect(fromEnv.stderr).toBe(`keyloss record status: cannot use the state Redis at 127.0.0.1:${closed} (STATE_REDIS_URL): connection refused\n`);
  });
});
