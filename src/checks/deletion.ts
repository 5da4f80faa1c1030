// Who removed keys: DEL/UNLINK/HDEL/GETDEL/FLUSH* call counters, and SLOWLOG entries of removing commands.
import { describeError } from '../redact.ts';
import { isFlushingCommand, isRemovingCommand, REMOVING_COMMANDS } from '../domain/keys.ts';
import { countedNodes, neededData } from './needs.ts';
import type { Check } from './types.ts';
import type { DeletionData, RemovalCalls } from '../domain/evidence.ts';

const SLOWLOG_ENTRIES = 128;

export const deletionCheck: Check<'commands.deletion'> = {
  id: 'commands.deletion',
  title: 'Deleting and flushing commands',
  budgetMs: 5_000,
  needs: ['info'],
  async run(ctx) {
    const nodes = countedNodes(neededData(ctx, 'info').nodes);
    let calls: RemovalCalls | null = { del: 0, unlink: 0, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 };
    const perNode: DeletionData['nodes'] = nodes.map(({ address, info }) => {
      // INFO all lists at least the INFO just sent: no commandstats at all means the server left the section out,
      // and a command missing from it is then unknown, not "called 0 times".
      if (Object.keys(info.commandstats).length === 0) {
        calls = null;
        return { address, calls: null };
      }
      const own: RemovalCalls = { del: 0, unlink: 0, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 };
      for (const name of Object.keys(own) as Array<keyof RemovalCalls>) {
        own[name] = info.commandstats[name]?.calls ?? 0;
        if (calls) calls[name] += own[name];
      }
      return { address, calls: own };
    });
    const slowlog: DeletionData['slowlog'] = [];
    const errors: string[] = [];
    await Promise.all(
      nodes.map(async ({ address, info }) => {
        // A node whose commandstats count no removing command since it started has none in its SLOWLOG to find:
        // not asking spares a cache the reply and, where nothing ever read it, a new latency histogram.
        const stats = info.commandstats;
        if (Object.keys(stats).length > 0 && REMOVING_COMMANDS.every((name) => (stats[name]?.calls ?? 0) === 0)) return;
        try {
          const gateway = await ctx.redis.gateway(address);
          const entries = (await gateway.call('SLOWLOG', 'GET', SLOWLOG_ENTRIES)) as unknown[];
          slowlog.push(...entries.flatMap((entry) => removingEntry(address, entry)));
        } catch (error) {
          errors.push(describeError(error));
        }
      }),
    );
    slowlog.sort((a, b) => b.at.localeCompare(a.at));
    return { calls, nodes: perNode, slowlog, slowlogRead: errors.length === 0, slowlogError: errors.length > 0 ? errors.join('; ') : null };
  },
};

/** One SLOWLOG entry `[id, unix time, µs, [args…], client addr, client name]` if its command removes keys. */
function removingEntry(address: string, entry: unknown): DeletionData['slowlog'] {
  if (!Array.isArray(entry)) return [];
  const [, time, duration, args, addr, name] = entry as [unknown, unknown, unknown, unknown, unknown, unknown];
  if (!Array.isArray(args) || args.length === 0) return [];
  const command = String(args[0]).toLowerCase();
  if (!isRemovingCommand(command)) return [];
  const flush = isFlushingCommand(command);
  // Only the key is kept: values and later arguments may be sensitive and do not help.
  const key = !flush && args.length > 1 ? String(args[1]) : null;
  return [
    {
      address,
      at: new Date(Number(time) * 1000).toISOString(),
      durationUs: Number(duration),
      command,
      key,
      client: typeof addr === 'string' && addr !== '' ? (typeof name === 'string' && name !== '' ? `${addr} (${name})` : addr) : null,
    },
  ];
}
