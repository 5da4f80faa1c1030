// Connected clients: which dbs they use, who they are (CLIENT SETNAME), and which last ran a removing command.
import { isRemovingCommand } from '../domain/keys.ts';
import { countedNodes } from './needs.ts';
import type { Check } from './types.ts';
import type { ClientsData } from '../domain/evidence.ts';

/** Our own connections carry this name; they are not the application's. */
const OWN_NAME = 'keyloss';

export interface ClientLine {
  addr: string;
  name: string;
  db: number;
  cmd: string;
}

/** Parses CLIENT LIST: one `key=value key=value …` line per connection. */
export function parseClientList(text: string): ClientLine[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.includes('addr='))
    .map((line) => {
      const fields = new Map<string, string>();
      for (const pair of line.trim().split(' ')) {
        const at = pair.indexOf('=');
        if (at > 0) fields.set(pair.slice(0, at), pair.slice(at + 1));
      }
      return {
        addr: fields.get('addr') ?? '',
        name: fields.get('name') ?? '',
        db: Number(fields.get('db') ?? 0),
        cmd: fields.get('cmd') ?? '',
      };
    });
}

export function summarizeClients(lines: ClientLine[]): ClientsData {
  const clients = lines.filter((line) => line.name !== OWN_NAME);
  const byDb = new Map<number, number>();
  const names = new Map<string, { clients: number; dbs: Set<number> }>();
  for (const client of clients) {
    byDb.set(client.db, (byDb.get(client.db) ?? 0) + 1);
    if (client.name) {
      const entry = names.get(client.name) ?? { clients: 0, dbs: new Set<number>() };
      entry.clients += 1;
      entry.dbs.add(client.db);
      names.set(client.name, entry);
    }
  }
  return {
    total: clients.length,
    byDb: [...byDb].map(([db, count]) => ({ db, clients: count })).sort((a, b) => a.db - b.db),
    names: [...names]
      .map(([name, entry]) => ({ name, clients: entry.clients, dbs: [...entry.dbs].sort((a, b) => a - b) }))
      .sort((a, b) => b.clients - a.clients || a.name.localeCompare(b.name)),
    removers: clients
      .filter((client) => isRemovingCommand(client.cmd))
      .map(({ addr, name, db, cmd }) => ({ addr, name, db, cmd })),
  };
}

export const clientsCheck: Check<'clients'> = {
  id: 'clients',
  title: 'Connected clients and their databases',
  budgetMs: 5_000,
  needs: [],
  async run(ctx) {
    const nodes = countedNodes((await ctx.redis.nodes()).nodes);
    const lists = await Promise.all(
      nodes.map(async (node) => parseClientList(String(await (await ctx.redis.gateway(node.address)).call('CLIENT', 'LIST')))),
    );
    return summarizeClients(lists.flat());
  },
};
