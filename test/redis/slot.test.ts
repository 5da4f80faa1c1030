import { describe, expect, it } from 'vitest';
import { keySlot, patternSlot } from '../../src/redis/slot.ts';

describe('key slots', () => {
  it('hashes a key, or its hash tag', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));
  });

  it('gives the slot of a pattern only when a fixed hash tag comes before any glob character', () => {
    expect(patternSlot('{user:7}:*')).toBe(keySlot('user:7'));
    expect(patternSlot('cart:{user:7}:*')).toBe(keySlot('user:7'));
    expect(patternSlot('session:*')).toBeNull();
    expect(patternSlot('*{user:7}')).toBeNull();
    expect(patternSlot('{user:*}:x')).toBeNull();
    expect(patternSlot('{}:*')).toBeNull();
  });
});
