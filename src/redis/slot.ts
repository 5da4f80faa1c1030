// Redis Cluster key slots (CRC16/XMODEM of the key or its {hash tag}, mod 16384), to send a key to the node that owns it.
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
  return crc;
}

export const SLOT_COUNT = 16384;

export function keySlot(key: string): number {
  let hashed = key;
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    // An empty tag `{}` does not count: the whole key is hashed.
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(hashed, 'utf8')) % SLOT_COUNT;
}

/**
 * The one slot every key matching a SCAN pattern hashes to, when the pattern fixes a hash tag (`{user:7}:*`): a
 * non-empty `{…}` before any glob character. Null when matches may fall in any slot.
 */
export function patternSlot(pattern: string): number | null {
  const open = pattern.indexOf('{');
  if (open === -1) return null;
  const close = pattern.indexOf('}', open + 1);
  if (close <= open + 1) return null;
  if (/[*?[\\]/.test(pattern.slice(0, close))) return null;
  return keySlot(pattern.slice(open + 1, close));
}
