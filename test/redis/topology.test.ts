import { describe, expect, it } from 'vitest';
import { keySlot } from '../../src/redis/slot.ts';
import { nodeForSlot, parseClusterNodes } from '../../src/redis/topology.ts';

describe('keySlot', () => {
  it('matches Redis Cluster slots', () => {
    expect(keySlot('123456789')).toBe(12739); // the CRC16/XMODEM check value 0x31C3
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('somekey')).toBe(11058);
  });
  it('hashes only the {tag} when there is a non-empty one', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });
});

const AZURE_LIKE = [
  '07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.4:15000@16000 myself,master - 0 0 1 connected 0-8191',
  'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.4:15001@16001 master - 0 1426238316232 2 connected 8192-16383 [93->-292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f]',
  '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 10.0.0.4:15002@16002 slave 07c37dfeb235213a872192d90877d0cd55635b91 0 1426238316232 1 connected',
  '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 10.0.0.9:15003@16003,shard3.example.net master,fail - 0 1426238316232 3 connected',
].join('\n');

describe('parseClusterNodes', () => {
  const nodes = parseClusterNodes(AZURE_LIKE, { host: 'mycache.redis.cache.windows.net', port: 6380 });

  it('reaches nodes announced on the seed IP through the seed host name, the seed itself on its own port', () => {
    expect(nodes.map((node) => node.address)).toEqual([
      'mycache.redis.cache.windows.net:6380',
      'mycache.redis.cache.windows.net:15001',
      'mycache.redis.cache.windows.net:15002',
      'shard3.example.net:15003',
    ]);
  });

  it('reads roles, primaries of replicas, slot ranges and flags', () => {
    expect(nodes.map((node) => node.role)).toEqual(['primary', 'primary', 'replica', 'primary']);
    expect(nodes[2]?.primaryId).toBe('07c37dfeb235213a872192d90877d0cd55635b91');
    expect(nodes[1]?.slots).toEqual([[8192, 16383]]);
    expect(nodes[3]?.flags).toEqual(['fail']);
    expect(nodeForSlot(nodes, 100)?.address).toBe('mycache.redis.cache.windows.net:6380');
    expect(nodeForSlot(nodes, 9000)?.address).toBe('mycache.redis.cache.windows.net:15001');
  });

  it('uses the announced IP of a node elsewhere, and the seed host when a node does not know its own IP', () => {
    const local = parseClusterNodes(
      ['a :7000@17000 myself,master - 0 0 1 connected 0-16383', 'b 10.1.2.3:7001@17001 slave a 0 0 1 connected'].join('\n'),
      { host: '127.0.0.1', port: 7000 },
    );
    expect(local.map((node) => node.address)).toEqual(['127.0.0.1:7000', '10.1.2.3:7001']);
  });
});
