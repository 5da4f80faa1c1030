// An endless reply is bounded in bytes, not only in time: INFO announced as $2000000000 and streamed fails the
// check with the reason as soon as 32 MB arrived, instead of growing the process until the command timeout.
import { afterAll, expect, it } from 'vitest';
import { MAX_REPLY_BYTES } from '../../src/redis/connection.ts';
import { openTarget } from '../../src/redis/target.ts';
import { startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';

let server: HostileServer;
afterAll(async () => server?.close());

it('an endless INFO fails with the cap as its reason, and the connection is closed', async () => {
  server = await startHostileRedis((command) => {
    if (command[0]?.toUpperCase() !== 'INFO') return undefined;
    return {
      takeOver: (socket) => {
        socket.write('$2000000000\r\n');
        const chunk = Buffer.alloc(1 << 20, 97);
        const pump = () => {
          while (socket.writable && socket.write(chunk));
        };
        socket.on('drain', pump);
        pump();
      },
    };
  });
  const opened = await openTarget(server.url, { commandTimeoutMs: 30_000 });
  if (!opened.ok) throw new Error(opened.reason);
  const gateway = await opened.target.gateway(opened.target.address);
  // With a 30 s command timeout, only the byte cap can end this command.
  await expect(gateway.info()).rejects.toThrow(`longer than ${MAX_REPLY_BYTES / 1_048_576} MB`);
  await opened.target.close();
}, 60_000);
