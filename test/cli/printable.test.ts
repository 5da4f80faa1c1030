// Cache-supplied text (key names with escape sequences, CR/LF) reaches no terminal raw: watch prints it through the one
// printable function, as diagnose's report and the walkthrough's progress lines do.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printable } from '../../src/domain/format.ts';
import { progressLine } from '../../src/terminal/render.ts';
import { createStyle } from '../../src/terminal/style.ts';
import { runKeyloss } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';

/** A key name that, printed raw, clears the line and forges one of its own. */
const FORGED = 'session:1\r\x1b[2K\nFAKE: 0 keys deleted\x1b]0;owned\x07\u202e';

let server: RedisProcess;
beforeAll(async () => {
  server = await startRedis(['--notify-keyspace-events', 'Exeg']);
});
afterAll(stopAllRedis);

describe('printable terminal output', () => {
  it('watch shows a removed key whose name holds escapes and CR/LF on its own line, with no control character', async () => {
    const app = new Redis(server.port);
    await app.set(FORGED, 'x');
    const run = await runKeyloss('watch', ['--redis', server.url, '--for', '30s'], {}, (child) => {
      const poll = setInterval(async () => {
        if (!/name=keyloss-record .*psub=[1-9]/.test(String(await app.client('LIST')))) return;
        clearInterval(poll);
        await app.del(FORGED);
        setTimeout(() => child.kill('SIGINT'), 600);
      }, 100);
    });
    await app.quit();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('session:1');
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(run.stdout.split('\n').some((line) => line.startsWith('FAKE'))).toBe(false);
  });

  it('the walkthrough progress line and the one function replace every control, tab and newline included', () => {
    const line = progressLine({ id: 'clients', title: 'Clients', status: 'failed', detail: FORGED }, createStyle(false));
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(printable('a\tb\nc\u2028d\u0085e')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe');
  });
});
