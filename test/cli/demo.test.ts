// `keyloss demo` through the real command line: each staged incident is diagnosed as its cause, the throwaway server
// is gone afterwards (also after Ctrl-C), and without redis-server on PATH it says how to get one.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CAUSES } from '../../src/demo/stage.ts';
import { runKeyloss } from '../support/keyloss-cli.ts';

/** The demo server's port, from the line that announces the staging. */
function demoPort(output: string): number {
  const match = /staging an incident on redis:\/\/127\.0\.0\.1:(\d+)/.exec(output);
  if (!match) throw new Error(`no staging line in:\n${output}`);
  return Number(match[1]);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('keyloss demo', () => {
  for (const cause of DEMO_CAUSES) {
    it(`--cause ${cause} --json: the diagnosis names ${cause}, the demo says so and stops its server`, async () => {
      const run = await runKeyloss('demo', ['--cause', cause, '--json']);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.verdict).toBe('explained');
      expect(report.causes[0]).toMatchObject({ id: cause, likelihood: 'likely' });
      expect(run.stderr).toContain(`The demo staged: ${cause}.`);
      expect(await listening(demoPort(run.stderr))).toBe(false);
    });
  }

  it('walks the runbook with the answers given, ends with the verdict and the staged cause', async () => {
    const run = await runKeyloss('demo', ['--cause', 'deletion']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/✓ Which key is missing\? user:42/);
    expect(run.stdout).toMatch(/Verdict: EXPLAINED/);
    expect(run.stdout).toMatch(/Keys deleted by a client/);
    expect(run.stdout).toMatch(/The demo staged: deletion\. A client named cleanup-job/);
    // Through a pipe everything wraps at 80 columns, the demo's own lines as the report's; times read as the report's.
    for (const line of run.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(run.stdout).toMatch(/✓ When were the keys last known to be there\? \d\d:\d\d:\d\d UTC\n/);
    expect(run.stderr).toBe('');
    expect(await listening(demoPort(run.stdout))).toBe(false);
  });

  it('--slack prints the verdict message as JSON, its header the staged cause\'s conclusion', async () => {
    const run = await runKeyloss('demo', ['--cause', 'flush', '--slack']);
    expect(run.code, run.stderr).toBe(0);
    const message = JSON.parse(run.stdout);
    expect(message.text).toMatch(/flush/i);
    expect(message.blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(message.blocks)).toMatch(/\*Likely cause:\* .*The database was flushed/);
    // The headline's section is not repeated as the first evidence line.
    const headline: string = message.blocks[1].text.text;
    const evidence: string = message.blocks.find((b: { text?: { text: string } }) => b.text?.text.startsWith('*Evidence*')).text.text;
    for (const line of evidence.split('\n').slice(1)) expect(headline).not.toContain(line.replace(/^• /, ''));
    expect(run.stderr).toContain('The demo staged: flush.');
  });

  it('--ask asks the questions itself (the cache answered), reading answers from a pipe', async () => {
    // tier: skip; key; db; since; scope: skip.
    const run = await runKeyloss('demo', ['--cause', 'wrong-database', '--ask'], {}, (child) => child.stdin?.end('\nsession:*\n0\n15m\n\n'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/The application misses session:\* in db 0; it was last seen at \d\d:\d\d:\d\d UTC\./);
    expect(run.stdout).toMatch(/Which service and tier is the cache\?/);
    expect(run.stdout).toMatch(/Verdict: EXPLAINED/);
    expect(run.stdout).toMatch(/The demo staged: wrong-database\./);
  });

  it('refuses a flag it does not take', async () => {
    const run = await runKeyloss('demo', ['--cause', 'wrong-database', '--bogus']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^keyloss demo: --bogus is not a flag; accepted: --cause/);
  });

  it('refuses an incident it does not stage, and --json with --slack', async () => {
    const unknown = await runKeyloss('demo', ['--cause', 'replication']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`keyloss demo: --cause: "replication" is not an incident the demo stages; one of: ${DEMO_CAUSES.join(', ')}\n`);
    const both = await runKeyloss('demo', ['--json', '--slack']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json and --slack both choose the output/);
  });

  it('without redis-server on PATH, says how to get one and exits 3', async () => {
    // A PATH of one empty directory: node itself is started by its full path.
    const empty = mkdtempSync(join(tmpdir(), 'keyloss-no-redis-'));
    const run = await runKeyloss('demo', ['--cause', 'eviction'], { PATH: empty });
    rmSync(empty, { recursive: true });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^keyloss demo: keyloss demo starts a throwaway redis-server of its own, and there is none on PATH\. Install one .*apt-get install redis-server.*brew install redis/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('Ctrl-C while staging stops the server and exits 130', async () => {
    let seen = '';
    const run = await runKeyloss('demo', ['--cause', 'instance-failure'], {}, (child) => {
      child.stdout?.on('data', (chunk) => {
        const before = seen;
        seen += String(chunk);
        if (!before.includes('staging an incident') && seen.includes('staging an incident')) child.kill('SIGINT');
      });
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toMatch(/Interrupted; the demo's redis-server was stopped\./);
    expect(await listening(demoPort(run.stdout))).toBe(false);
  });
});
