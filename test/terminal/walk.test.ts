// `keyloss walk` as a person drives it through a pipe: a child process against a real redis-server.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCachesFile } from '../support/caches-file.ts';
import { freePort, startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'keyloss.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `keyloss walk` with `input` on stdin. With `interruptAfter`, stdin stays open and the process gets SIGINT
 * once its output contains that many prompts.
 */
function walk(
  redisUrl: string,
  input: string,
  options: { interruptAfter?: number; env?: Record<string, string>; args?: string[] } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...(options.args ?? ['walk'])], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        REDIS_URL: redisUrl,
        KEYLOSS_RATE_INTERVAL_MS: '50',
        KEYLOSS_CACHES: join(ROOT, 'test', 'terminal', 'no-such-caches.yaml'),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const prompts = stdout.split('\n> ').length - 1;
      if (options.interruptAfter !== undefined && !interrupted && prompts >= options.interruptAfter) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.write(input);
    if (options.interruptAfter === undefined) child.stdin.end();
  });
}

/** The output as prose: lines wrapped at 80 columns read as one text, so a sentence can be looked for whole. */
function prose(stdout: string): string {
  return stdout.replace(/\s+/g, ' ');
}

/** How many times the output asked this question. */
function timesAsked(stdout: string, prompt: string): number {
  return stdout.split('\n').filter((line) => line === prompt).length;
}

let redis: RedisProcess;

beforeAll(async () => {
  redis = await startRedis();
  const client = new Redis(redis.url);
  await client.set('session:17', 'present');
  await client.set('session:18', 'x', 'EX', 600);
  await client.select(3);
  await client.set('cart:1', 'elsewhere');
  await client.set('cart:2', 'elsewhere');
  client.disconnect();
});

afterAll(async () => {
  await stopRedis(redis);
});

describe('keyloss walk, piped', () => {
  it('walks the whole runbook to a conclusion: Enter takes REDIS_URL, numbers pick options', async () => {
    // cache (Enter = REDIS_URL), tier 2 = standard, key, db 0, since 1 = 15 minutes, scope 1 = partial
    const run = await walk(redis.url, '\n2\nsession:17\n0\n1\n1\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`✓ Which cache lost keys? ${redis.url}`);
    expect(run.stdout).toContain('✓ Which service and tier is the cache? Azure Cache for Redis: Standard');
    expect(run.stdout).toContain('  1) Azure Cache for Redis: Basic\n  2) Azure Cache for Redis: Standard');
    // db options are shown by value: "2" means db 2, not the second option.
    expect(run.stdout).toContain('  0) 0 (the default)');
    // Confirmed as the report writes times, not as the ISO string the session stores.
    expect(run.stdout).toMatch(/✓ When were the keys last known to be there\? (\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d \d\d:\d\d) UTC\n/);
    // Each check as it finishes, in plain words (no times: they differ run to run).
    expect(run.stdout).toMatch(/^ {2}ok {6}Key presence in every database$/m);
    expect(run.stdout).toMatch(/^ {2}skipped .*Azure/m);
    // The report, then the conclusion the findings lead to: the key is there.
    expect(run.stdout).toContain('session:17');
    expect(run.stdout).toMatch(/no-loss|NO-LOSS|NO LOSS/i);
    // The conclusion, then the verdict: the last lines on the screen.
    expect(run.stdout).toMatch(/\nThe key is there\n {2}keyloss found the key in the database you named/);
    expect(prose(run.stdout)).toMatch(/another cache \(staging instead of production, an old endpoint\)\. Verdict: NO-LOSS scope partial, tier standard session:17 exists in db 0: nothing is missing there now \(if the application cannot see it, check which db and host it uses\)\. $/);
    // Wrapped between words at 80 columns.
    expect(run.stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
    // Plain text in a pipe: no escape sequences.
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('branches on the findings: keys in another database lead to that conclusion', async () => {
    const run = await walk(redis.url, `\nbasic\ncart:*\n0\n1h\npartial\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✓ Which service and tier is the cache? Azure Cache for Redis: Basic');
    expect(prose(run.stdout)).toMatch(/ The keys are in another database The keys exist, but in a different logical database/);
  });

  it('skips the db question for Enterprise, and takes skips on Enter and "skip"', async () => {
    const run = await walk(redis.url, '\n4\nsession:17\n15m\nskip\n');
    expect(run.code).toBe(0);
    expect(timesAsked(run.stdout, 'Which database does the application use?')).toBe(0);
    expect(run.stdout).toContain('✓ How much is missing? Not sure');
    const skipped = await walk(redis.url, '\n\nsession:17\n\n15m\n\n');
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('✓ Which service and tier is the cache? Not sure');
    expect(skipped.stdout).toContain('✓ Which database does the application use? Not sure');
  });

  it('"back" undoes the last answer and asks that question again', async () => {
    const run = await walk(redis.url, '\n1\nback\n3\nsession:17\nback\nback\n2\nsession:17\n0\n15m\n2\n');
    expect(run.code).toBe(0);
    expect(timesAsked(run.stdout, 'Which service and tier is the cache?')).toBe(3);
    expect(timesAsked(run.stdout, 'Which key is missing?')).toBe(4);
    expect(run.stdout).toMatch(/scope complete, tier standard/);
  });

  it('answers the tier from the caches file for a named cache, and asks it when the person comes back to it', async () => {
    const caches = writeCachesFile('caches:\n  orders:\n    urlEnv: ORDERS_URL\n    tier: premium\n');
    try {
      // cache by name (tier answered: not asked), key, back twice (to the key, then the tier question, now asked),
      // 2 = standard, key, db, since, scope
      const run = await walk(redis.url, 'orders\nsession:17\nback\nback\n2\nsession:17\n0\n1\n1\n', {
        env: { KEYLOSS_CACHES: caches.path, ORDERS_URL: redis.url },
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('✓ Which service and tier is the cache? Azure Cache for Redis: Premium');
      expect(run.stdout).toContain('(from the caches file; "back" to change it)');
      // The note is about the tier: it goes right under the tier's line, whatever is answered after it.
      const lines = run.stdout.split('\n');
      const note = lines.findIndex((line) => line.includes('(from the caches file; "back" to change it)'));
      expect(lines[note - 1]).toContain('✓ Which service and tier is the cache? Azure Cache for Redis: Premium');
      expect(timesAsked(run.stdout, 'Which service and tier is the cache?')).toBe(1);
      expect(run.stdout).toMatch(/tier standard/);
      // With the key given as a flag, it is answered right after the tier: the note still stays under the tier.
      const flagged = await walk(redis.url, '0\n1\n1\n', {
        env: { KEYLOSS_CACHES: caches.path, ORDERS_URL: redis.url },
        args: ['walk', '--cache', 'orders', '--key', 'session:17'],
      });
      expect(flagged.code).toBe(0);
      const flaggedLines = flagged.stdout.split('\n');
      const flaggedNote = flaggedLines.findIndex((line) => line.includes('(from the caches file; "back" to change it)'));
      expect(flaggedLines[flaggedNote - 1]).toContain('✓ Which service and tier is the cache? Azure Cache for Redis: Premium');
      expect(flaggedLines[flaggedNote + 1]).toContain('✓ Which key is missing? session:17');
    } finally {
      caches.remove();
    }
  });

  it('re-prompts an invalid answer with the reason', async () => {
    const run = await walk(redis.url, '\n12\ngold\n1\nsession:17\n0\n2x\n\n2026-13-01\n15m\n1\n');
    expect(run.code).toBe(0);
    // Nine options: 12 is none of them, and no tier either; typed text is read as a tier or its SKU.
    expect(prose(run.stdout)).toContain('“12” is not a tier; use basic, standard, premium, enterprise, enterprise-flash, memory-optimized, balanced, compute-optimized, flash-optimized (or the SKU Azure shows, such as Balanced_B5).');
    expect(prose(run.stdout)).toContain('“gold” is not a tier;');
    expect(prose(run.stdout)).toContain('“2x” is not a time. Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d.');
    expect(prose(run.stdout)).toContain('No time given. Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d. Or pick one of: 15m, 1h, 6h, 24h.');
    expect(timesAsked(run.stdout, 'Which service and tier is the cache?')).toBe(3);
    expect(timesAsked(run.stdout, 'When were the keys last known to be there?')).toBe(4);
  });

  it('re-prompts a cache name that names no configured cache', async () => {
    const run = await walk(redis.url, 'orders-prod\n\n');
    expect(run.stdout).toContain('“orders-prod” is not a URL, and there is no caches file');
    expect(timesAsked(run.stdout, 'Which cache lost keys?')).toBe(2);
    expect(run.stdout).toContain('✓ Which cache lost keys?');
  });

  it('exits with 1 and a short line when the input ends before a conclusion', async () => {
    const run = await walk(redis.url, '\n2\n');
    expect(run.code).toBe(1);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('The input ended before the runbook reached a conclusion.');
    expect(run.stderr).toBe('');
  });

  it('exits with 130 and a short line on Ctrl-C', async () => {
    const run = await walk(redis.url, '\n', { interruptAfter: 2 });
    expect(run.code).toBe(130);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('Interrupted; nothing was changed on the cache.');
  });

  it('checks the cache as soon as it is given: says which host:port could not be reached, never the password, and asks again at once', async () => {
    const port = await freePort();
    const url = `redis://:Sup3rSecretPassw0rd@127.0.0.1:${port}`;
    // Enter = REDIS_URL (down), then a typed URL with another password (down too), then the right one.
    const typed = `redis://:An0therSecretPw@127.0.0.1:${port}`;
    const run = await walk(url, `\n${typed}\n${redis.url}\n2\nsession:17\n0\n15m\n1\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`The cache at 127.0.0.1:${port} could not be reached: connection refused`);
    // Asked again right away, not after the other five questions; its help is not repeated.
    expect(timesAsked(run.stdout, 'Which cache lost keys?')).toBe(3);
    expect(run.stdout.split('In the terminal, its URL').length - 1).toBe(1);
    expect(run.stdout.indexOf('Which service and tier is the cache?')).toBeGreaterThan(run.stdout.lastIndexOf('could not be reached'));
    expect(run.stdout + run.stderr).not.toContain('Sup3rSecretPassw0rd');
    expect(run.stdout + run.stderr).not.toContain('An0therSecretPw');
    expect(run.stdout).toContain(`> redis://:***@127.0.0.1:${port}`);
    expect(prose(run.stdout)).toContain(`Enter: redis://:***@127.0.0.1:${port}`);
  });

  it('a typed address keyloss cannot read is not echoed (it may hold a password)', async () => {
    const run = await walk(redis.url, `redis://:S3cret w0rd@[::1\n\n`);
    expect(run.stdout).not.toContain('w0rd');
    expect(run.stdout).toContain('> (not shown: not an address keyloss can read)');
  });

  it('--entra signs in to a typed URL with Microsoft Entra, which needs rediss://: the flag error says so before any token is fetched', async () => {
    const args = ['walk', '--entra', '--redis', redis.url, '--key', 'session:17', '--tier', 'standard', '--db', '0', '--since', '30m', '--scope', 'partial'];
    const run = await walk(redis.url, '', { args });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('keyloss walk: --redis: The cache URL cannot be used: Microsoft Entra sign-in sends a token, so it needs TLS: use rediss://');
  });

  it('a cache given as a flag that does not answer: exit 3 before any question, one line naming host:port, as diagnose', async () => {
    const port = await freePort();
    const run = await walk(redis.url, '', { args: ['walk', '--redis', `redis://127.0.0.1:${port}`] });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`keyloss walk: The cache at 127.0.0.1:${port} could not be reached: connection refused\n`);
    expect(run.stdout).toBe('');
    // A flag that names no cache at all stays a bad argument.
    const unnamed = await walk(redis.url, '', { args: ['walk', '--cache', 'nowhere'], env: { KEYLOSS_CACHES: '/nonexistent/keyloss.caches.yaml' } });
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/^keyloss walk: --cache: /);
  });

  it('is what `keyloss start` runs when SLACK_BOT_TOKEN is not set', async () => {
    const run = await walk(redis.url, '\n2\nsession:17\n0\n1\n1\n', { args: ['start'], env: { SLACK_BOT_TOKEN: '' } });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('Keys vanished from Azure Cache for Redis');
    expect(run.stdout).toContain('\nThe key is there\n');
  });

  it('refuses unknown arguments with exit code 2', async () => {
    const run = await walk(redis.url, '', { args: ['walk', '--nope'] });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^keyloss walk: --nope is not a flag; accepted: --runbook, --redis, .*--help\n$/);
    const missing = await walk(redis.url, '', { args: ['walk', '--runbook', '/nonexistent/runbook.yaml'] });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^keyloss walk: \/nonexistent\/runbook\.yaml: cannot read the file/);
  });

  it('does not ask what flags answered, and refuses a bad flag value with exit code 2', async () => {
    const run = await walk(redis.url, '2\n0\n1\n', { args: ['walk', '--redis', redis.url, '--key', 'session:17', '--since=30m'] });
    expect(run.code).toBe(0);
    expect(timesAsked(run.stdout, 'Which cache lost keys?')).toBe(0);
    expect(timesAsked(run.stdout, 'Which key is missing?')).toBe(0);
    expect(timesAsked(run.stdout, 'When were the keys last known to be there?')).toBe(0);
    expect(run.stdout).toContain('✓ Which key is missing? session:17');
    expect(run.stdout).toMatch(/✓ When were the keys last known to be there\? (\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d \d\d:\d\d) UTC\n/);
    expect(run.stdout).toContain('\nThe key is there\n');

    const bad = await walk(redis.url, '', { args: ['walk', '--since', '2x'] });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'keyloss walk: --since: “2x” is not a time. Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d.\n',
    );
    const badUrl = await walk(redis.url, '', { args: ['walk', '--redis', 'redis://:Sup3rSecretPassw0rd@/x'] });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^keyloss walk: --redis: /);
    expect(badUrl.stderr).not.toContain('Sup3rSecretPassw0rd');
  });
});

describe('keyloss walk, piped, never prints a key', () => {
  // An Azure access key: base64, with / + =, used as the password of a real redis-server.
  const KEY = 'Xk3p9/Qw7+Zr1TyUb8Nc2Lm5Vd0Hs4Ja6Ef=';
  const WRONG = 'Wr0ng/Key+Zz9YyXx8Ww7Vv6Uu5Tt4Ss3Rr=';
  let secured: RedisProcess;
  // A server that repeats the password it was sent in its error, as some proxies do: an error keyloss did not write.
  let echoing: HostileServer;

  beforeAll(async () => {
    secured = await startRedis(['--requirepass', KEY]);
    echoing = await startHostileRedis((command) =>
      command[0]?.toUpperCase() === 'AUTH' ? { error: `ERR the password ${command.slice(1).join(' ')} is not accepted here` } : undefined,
    );
  });
  afterAll(async () => {
    await stopRedis(secured);
    await echoing.close();
  });

  /** No eight characters in a row of either key, raw or URL-encoded, anywhere in what the run printed. */
  function expectNoKey(run: Run): void {
    const printed = run.stdout + run.stderr;
    for (const secret of [KEY, WRONG, encodeURIComponent(KEY), encodeURIComponent(WRONG)]) {
      for (let at = 0; at + 8 <= secret.length; at++) expect(printed).not.toContain(secret.slice(at, at + 8));
    }
  }

  const answers = '2\nsession:17\n0\n1\n1\n';

  it('on every path: unparseable text, a refused password, a library error, then the portal connection string', async () => {
    const port = secured.port;
    const typed = [
      // Cannot be parsed at all (a port that is not one).
      `redis://:${KEY}@127.0.0.1:${port}:6380/x`,
      // The server refuses AUTH.
      `redis://:${WRONG}@127.0.0.1:${port}`,
      `127.0.0.1:${port},password=${WRONG},ssl=False,abortConnect=False`,
      // TLS to a plain port: refused by the TLS layer, not by keyloss.
      `rediss://:${KEY}@127.0.0.1:${port}`,
      // The server's own error names the password.
      `redis://:${KEY}@127.0.0.1:${echoing.port}`,
      // StackExchange.Redis, as the Azure portal hands it out.
      `127.0.0.1:${port},password=${KEY},ssl=False,abortConnect=False`,
    ];
    // REDIS_URL holds a refused raw key too: it is offered as the default at the prompt.
    const run = await walk(`redis://:${WRONG}@127.0.0.1:${port}`, `${typed.join('\n')}\n${answers}`);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(timesAsked(run.stdout, 'Which cache lost keys?')).toBe(6);
    expect(run.stdout).toContain('> (not shown: not an address keyloss can read)');
    expect(run.stdout).toContain(`The cache at 127.0.0.1:${port} refused the credentials`);
    expect(run.stdout).toContain(`127.0.0.1:${echoing.port}`);
    expect(run.stdout).toContain('Which service and tier is the cache?');
    expectNoKey(run);
  });

  it('a raw key in REDIS_URL taken with Enter, and one typed as a URL', async () => {
    const raw = `redis://:${KEY}@127.0.0.1:${secured.port}`;
    const [fromEnv, typed] = await Promise.all([walk(raw, `\n${answers}`), walk(redis.url, `${raw}\n${answers}`)]);
    for (const run of [fromEnv, typed]) {
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`✓ Which cache lost keys? redis://:***@127.0.0.1:${secured.port}`);
      expectNoKey(run);
    }
  });

  it('a refused key given as a flag: exit 3 (credentials refused, as diagnose) and the reason, without the key', async () => {
    const run = await walk(redis.url, '', { args: ['walk', '--redis', `redis://:${WRONG}@127.0.0.1:${secured.port}`] });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`127.0.0.1:${secured.port}`);
    expectNoKey(run);
  });
});
