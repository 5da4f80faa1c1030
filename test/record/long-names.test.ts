// Key names of megabytes on a real redis-server: `keyloss watch --json` and the record keep them as their head and hash
// (marked so, with their length and SHA-256), so output and state stay small, and the whole name still finds its removal.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { keptName, MAX_KEPT_NAME_BYTES } from '../../src/record/events.ts';
import { MINUTE_MS, RecordLayout } from '../../src/record/layout.ts';
import { readRecord } from '../../src/record/reader.ts';
import { Recorder } from '../../src/record/recorder.ts';
import { openStateClient } from '../../src/state/redis.ts';
import { runKeyloss } from '../support/keyloss-cli.ts';
import { fastRecorderOptions, recordTarget } from '../support/recorder.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'kllong:';
const MB = 1_048_576;
/** Names of 2 and 8 MB (one with multi-byte characters), one just over the cap and one at it. */
const NAMES = [`big:${'a'.repeat(2 * MB)}`, `huge:${'é'.repeat(4 * MB)}`, `over:${'b'.repeat(MAX_KEPT_NAME_BYTES)}`, `at:${'c'.repeat(MAX_KEPT_NAME_BYTES - 3)}`];

afterAll(stopAllRedis);

async function removeAll(port: number): Promise<void> {
  const app = new Redis(port);
  for (const name of NAMES) {
    await app.set(name, 'v');
    await app.del(name);
  }
  app.disconnect();
}

async function subscribed(port: number): Promise<void> {
  const admin = new Redis(port);
  await waitFor(async () => /psub=[1-9]/.test(String(await admin.client('LIST'))), 'the subscription');
  admin.disconnect();
}

describe('key names of any length', () => {
  it('keeps a name verbatim up to 256 bytes, a longer one as its head and hash, the same for the same name', () => {
    const at = keptName(NAMES[3]!);
    expect(at).toEqual({ name: NAMES[3], cut: null });
    const huge = keptName(NAMES[1]!);
    expect(Buffer.byteLength(huge.name)).toBeLessThanOrEqual(MAX_KEPT_NAME_BYTES);
    expect(huge.name.startsWith('huge:éé')).toBe(true);
    expect(huge.cut).toEqual({ bytes: Buffer.byteLength(NAMES[1]!), sha256: createHash('sha256').update(NAMES[1]!).digest('hex') });
    expect(keptName(`${NAMES[1]!}`).name).toBe(huge.name);
    expect(keptName(`${NAMES[1]!.slice(0, -1)}x`).name).not.toBe(huge.name);
  });

  it('watch --json stays small with 2-8 MB key names and marks the names it cut', async () => {
    const cache = await startRedis(['--notify-keyspace-events', 'Eg']);
    const running = runKeyloss('watch', ['--redis', cache.url, '--for', '6s', '--json']);
    await subscribed(cache.port);
    await removeAll(cache.port);
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.length).toBeLessThan(20_000);
    const del = (JSON.parse(run.stdout) as { events: Array<{ type: string; count: number; sample: string[]; longNames?: Array<{ name: string; bytes: number; sha256: string }> }> }).events.find((e) => e.type === 'del')!;
    expect(del.count).toBe(NAMES.length);
    expect(del.sample).toEqual(NAMES.map((name) => keptName(name).name));
    expect(del.longNames).toEqual(NAMES.slice(0, 3).map((name) => ({ name: keptName(name).name, bytes: Buffer.byteLength(name), sha256: createHash('sha256').update(name).digest('hex') })));
  }, 60_000);

  it('the record of 2-8 MB key names stays small in the state Redis, and the whole name finds its removal by name and in the filter', async () => {
    const [cache, stateServer] = await Promise.all([startRedis(['--notify-keyspace-events', 'Eg']), startRedis()]);
    const opened = await openStateClient(stateServer.url);
    if (!opened.ok) throw new Error(opened.reason);
    const state = opened.client;
    const recorder = new Recorder(state, [recordTarget('long', cache.url)], fastRecorderOptions(PREFIX, 'r-long'));
    await recorder.start();
    const since = Date.now();
    await subscribed(cache.port);
    await removeAll(cache.port);
    const layout = new RecordLayout(PREFIX, 'long');
    await waitFor(async () => {
      let names = 0;
      for (let minute = Math.floor(since / MINUTE_MS); minute <= Math.floor(Date.now() / MINUTE_MS); minute++) names += await state.hlen(layout.exact(minute));
      return names === NAMES.length;
    }, 'every name written');
    await recorder.stop();
    let bytes = 0;
    for (const key of await state.keys(`${PREFIX}*`)) bytes += Number(await state.memory('USAGE', key));
    // A Bloom slice is 32 KiB and the rest of the record a few KB: the names themselves are over 10 MB.
    expect(bytes).toBeLessThan(256 * 1024);
    for (const name of NAMES) {
      const record = await readRecord(state, layout, { key: name, isPattern: false, db: 0, from: new Date(since - 1_000), to: new Date(Date.now() + 1_000) });
      const removals = record?.key?.removals ?? [];
      expect(removals.some((r) => r.exact && r.event === 'del'), name.slice(0, 10)).toBe(true);
    }
    // Without the names of the minute, the filter answers for the whole name, not for its kept form.
    for (let minute = Math.floor(since / MINUTE_MS); minute <= Math.floor(Date.now() / MINUTE_MS); minute++) await state.del(layout.exact(minute));
    const whole = await readRecord(state, layout, { key: NAMES[1]!, isPattern: false, db: 0, from: new Date(since - 1_000), to: new Date(Date.now() + 1_000) });
    expect(whole?.key?.removals.map((r) => [r.event, r.exact])).toEqual([['del', false]]);
    const kept = keptName(NAMES[1]!).name;
    const other = await readRecord(state, layout, { key: kept, isPattern: false, db: 0, from: new Date(since - 1_000), to: new Date(Date.now() + 1_000) });
    expect(other?.key?.removals).toEqual([]);
    state.disconnect();
  }, 60_000);
});
