// `keyloss walk` on a real pseudo-terminal (util-linux `script`): arrow keys, number keys, typing, back, Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'keyloss.js');
const hasScript = spawnSync('script', ['--version']).status === 0;

const UP = '\u001b[A';
const DOWN = '\u001b[B';
const ENTER = '\r';
const CTRL_C = '\u0003';
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Each step waits for `after` to appear in new output, then types `keys`. */
type Step = { after: string; keys: string };

function walkOnTty(redisUrl: string, steps: Step[]): Promise<{ code: number | null; screen: string; raw: string }> {
  return new Promise((resolve, reject) => {
    const command = `stty cols 100 rows 50; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} walk`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm', REDIS_URL: redisUrl, KEYLOSS_RATE_INTERVAL_MS: '50' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let raw = '';
    let next = 0;
    let from = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      raw += chunk;
      const step = steps[next];
      if (step && raw.indexOf(step.after, from) >= 0) {
        next++;
        from = raw.length;
        // A person types after seeing the prompt; keys sent before the menu listens would be typed ahead.
        setTimeout(() => child.stdin.write(step.keys), 50);
      }
    });
    // A walk that stops waiting for a key it never gets ends here, so the assertions show the screen.
    const stuck = setTimeout(() => child.kill(), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(stuck);
      resolve({ code, raw, screen: raw.replace(ANSI, '').replace(/\r/g, '') });
    });
  });
}

let redis: RedisProcess;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await stopRedis(redis);
});

describe.skipIf(!hasScript)('keyloss walk on a terminal', () => {
  it('is driven by arrows, number keys, typing and b for back, in colour, to a conclusion', async () => {
    const run = await walkOnTty(redis.url, [
      { after: 'Which cache lost keys?', keys: ENTER },
      // tier: down, down, up, down, down → Premium (the third)
      { after: 'Ctrl-C quit', keys: `${DOWN}${DOWN}${UP}${DOWN}${ENTER}` },
      { after: 'Which key is missing?', keys: `session:17${ENTER}` },
      // db: a digit that is not a choice starts typing it
      { after: 'Ctrl-C quit', keys: '9' },
      { after: '› ', keys: ENTER },
      // since: b goes back to db, where the key "0" picks db 0
      { after: 'Ctrl-C quit', keys: 'b' },
      { after: 'Ctrl-C quit', keys: '0' },
      { after: 'Ctrl-C quit', keys: '2' },
      { after: 'Ctrl-C quit', keys: 's' },
    ]);
    expect(run.code).toBe(0);
    expect(run.screen).toContain(`✓ Which cache lost keys? ${redis.url}`);
    expect(run.screen).toContain('✓ Which service and tier is the cache? Azure Cache for Redis: Premium');
    expect(run.screen).toContain('✓ Which database does the application use? 9\n');
    expect(run.screen).toContain('✓ Which database does the application use? 0 (the default)');
    expect(run.screen).toContain('✓ How much is missing? Not sure');
    // Checks as marks with times, then the report and the conclusion.
    expect(run.screen).toMatch(/ {2}✓ Key presence in every database \d+ ms/);
    expect(run.screen).toMatch(/scope (inferred: )?[a-z]+, tier premium/);
    expect(run.screen).toMatch(/\n(The cause is found|No single cause could be proven|The key is there|The keys are in another database)\n/);
    expect(run.raw).toContain('\u001b[32m✓');
    // The cursor is shown again at the end.
    expect(run.raw.lastIndexOf('\u001b[?25h')).toBeGreaterThan(run.raw.lastIndexOf('\u001b[?25l'));
  });

  it('replaces the typed line holding a password by its masked form', async () => {
    const secured = await startRedis(['--requirepass', 'Typ3dSecretPw']);
    try {
      const url = `redis://:Typ3dSecretPw@127.0.0.1:${secured.port}`;
      const run = await walkOnTty(redis.url, [
        { after: 'Which cache lost keys?', keys: `${url}${ENTER}` },
        { after: 'Ctrl-C quit', keys: CTRL_C },
      ]);
      expect(run.code).toBe(130);
      // The echo of the typed line is erased (cursor up, clear to the end) and written again masked.
      const erased = run.raw.indexOf('\u001b[1A\r\u001b[0J');
      expect(erased).toBeGreaterThan(0);
      expect(run.raw.slice(erased).replace(ANSI, '').replace(/\r/g, '')).toMatch(new RegExp(`^› redis://:\\*\\*\\*@127\\.0\\.0\\.1:${secured.port}\\n`));
      expect(run.screen).toContain(`✓ Which cache lost keys? redis://:***@127.0.0.1:${secured.port}`);
      expect(run.screen.split('Typ3dSecretPw').length - 1).toBe(1);
    } finally {
      await stopRedis(secured);
    }
  });

  it('quits with 130 on Ctrl-C in a menu, and in a text prompt', async () => {
    const inMenu = await walkOnTty(redis.url, [
      { after: 'Which cache lost keys?', keys: ENTER },
      { after: 'Ctrl-C quit', keys: CTRL_C },
    ]);
    expect(inMenu.code).toBe(130);
    expect(inMenu.screen.trimEnd().split('\n').at(-1)).toBe('Interrupted; nothing was changed on the cache.');
    const inPrompt = await walkOnTty(redis.url, [{ after: 'Which cache lost keys?', keys: CTRL_C }]);
    expect(inPrompt.code).toBe(130);
  });
});
