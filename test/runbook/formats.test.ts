import { describe, expect, it } from 'vitest';
import {
  parseAnswer,
  parseDbIndex,
  parseDuration,
  parseIsoTime,
  parseKeyPattern,
  parseSince,
  parseTarget,
} from '../../src/runbook/formats.ts';

const now = new Date('2026-11-26T06:00:00.000Z');

describe('parseSince', () => {
  it.each([
    ['90s', '2026-11-26T05:58:30.000Z'],
    ['15m', '2026-11-26T05:45:00.000Z'],
    ['2h', '2026-11-26T04:00:00.000Z'],
    ['1d', '2026-11-25T06:00:00.000Z'],
    ['1h30m', '2026-11-26T04:30:00.000Z'],
    ['1h 30m', '2026-11-26T04:30:00.000Z'],
    ['30 minutes', '2026-11-26T05:30:00.000Z'],
    ['2 hours ago', '2026-11-26T04:00:00.000Z'],
    ['1 hour and 15 minutes', '2026-11-26T04:45:00.000Z'],
    ['1.5h', '2026-11-26T04:30:00.000Z'],
    ['  15M  ', '2026-11-26T05:45:00.000Z'],
    ['0s', '2026-11-26T06:00:00.000Z'],
  ])('reads the duration %s as that long before now', (text, iso) => {
    const parsed = parseSince(text, now);
    expect(parsed).toEqual({ ok: true, date: new Date(iso) });
  });

  it.each([
    ['2026-11-26T05:00Z', '2026-11-26T05:00:00.000Z'],
    ['2026-11-26T05:00:00Z', '2026-11-26T05:00:00.000Z'],
    ['2026-11-26T05:00:00.250Z', '2026-11-26T05:00:00.250Z'],
    ['2026-11-26T05:00', '2026-11-26T05:00:00.000Z'],
    ['2026-11-26 05:00', '2026-11-26T05:00:00.000Z'],
    ['2026-11-26T06:00:00+01:00', '2026-11-26T05:00:00.000Z'],
    ['2026-11-26T00:30-0500', '2026-11-26T05:30:00.000Z'],
    ['2026-11-26', '2026-11-26T00:00:00.000Z'],
  ])('reads the ISO time %s, assuming UTC without a zone', (text, iso) => {
    expect(parseSince(text, now)).toEqual({ ok: true, date: new Date(iso) });
  });

  it('rejects what is not a time with the hint', () => {
    expect(parseSince('2x', now)).toEqual({
      ok: false,
      message: '“2x” is not a time. Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d.',
    });
    expect(parseSince('  ', now)).toEqual({
      ok: false,
      message: 'No time given. Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d.',
    });
    for (const text of ['yesterday-ish', '15', 'm15', '2026-13-01T00:00Z', '2026-02-31', '2026-11-26T24:00Z', '1h foo']) {
      const parsed = parseSince(text, now);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain('is not a time');
    }
  });

  it('tolerates a minute of clock skew but rejects the future beyond it', () => {
    expect(parseSince('2026-11-26T06:00:59Z', now).ok).toBe(true);
    const future = parseSince('2026-11-26T06:02Z', now);
    expect(future).toEqual({
      ok: false,
      message: '“2026-11-26T06:02Z” is in the future. Give the time the keys were last seen, or a duration ago like 15m.',
    });
  });

  it('rejects more than 30 days ago', () => {
    expect(parseSince('30d', now).ok).toBe(true);
    const old = parseSince('31d', now);
    expect(old.ok).toBe(false);
    if (!old.ok) expect(old.message).toMatch(/^“31d” is more than 30 days ago/);
    expect(parseSince('2026-10-01T00:00Z', now).ok).toBe(false);
  });

  it('shortens long input and drops control characters when quoting it', () => {
    const parsed = parseSince(`${'x'.repeat(100)}\nmore`, now);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).not.toContain('\n');
      expect(parsed.message).toMatch(/^“x{39}…” is not a time/);
    }
  });

  it('exposes the duration and ISO readers on their own', () => {
    expect(parseDuration('1w')).toBe(7 * 86_400_000);
    expect(parseDuration('abc')).toBeNull();
    expect(parseIsoTime('2026-11-26T05:00:00,5Z')?.toISOString()).toBe('2026-11-26T05:00:00.500Z');
    expect(parseIsoTime('2026-11-26T05:00+15:00')).toBeNull();
  });
});

describe('parseDbIndex', () => {
  it.each([
    ['0', 0],
    ['15', 15],
    [' 3 ', 3],
    ['db3', 3],
    ['DB 7', 7],
    ['10000', 10_000],
  ])('reads %s', (text, db) => {
    expect(parseDbIndex(text)).toEqual({ ok: true, db });
  });

  it('says when no number was given', () => {
    expect(parseDbIndex(' ')).toEqual({
      ok: false,
      message: 'No database number given. Use a whole number from 0 to 10,000 (most caches have 0–15).',
    });
  });

  it.each(['-1', '1.5', '10001', 'three', '0x1', '1e3'])('rejects %j', (text) => {
    const parsed = parseDbIndex(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain('is not a database number. Use a whole number from 0 to 10,000');
  });
});

describe('parseKeyPattern', () => {
  it('accepts exact keys and globs, trimming surrounding space', () => {
    expect(parseKeyPattern('session:17')).toEqual({ ok: true, key: 'session:17' });
    expect(parseKeyPattern('  session:* ')).toEqual({ ok: true, key: 'session:*' });
    expect(parseKeyPattern('k'.repeat(1024)).ok).toBe(true);
    expect(parseKeyPattern('user:{42}:cart with space').ok).toBe(true);
  });

  it('rejects empty, too long and multi-line keys with a reason', () => {
    expect(parseKeyPattern('   ')).toEqual({
      ok: false,
      message: 'The key is empty. Give the key that went missing, like session:17, or a pattern like session:*.',
    });
    const long = parseKeyPattern('k'.repeat(1025));
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.message).toContain('1,025 characters long; give at most 1,024');
    for (const text of ['a\nb', 'a\tb', 'a\u0000b', 'a\u007fb']) {
      const parsed = parseKeyPattern(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain('control character');
    }
  });
});

describe('parseTarget', () => {
  it('reads redis:// and rediss:// URLs with default ports', () => {
    expect(parseTarget('redis://127.0.0.1:6390')).toEqual({
      ok: true,
      target: { kind: 'url', url: 'redis://127.0.0.1:6390', host: '127.0.0.1', port: 6390, tls: false },
    });
    expect(parseTarget('rediss://:secret@my-cache.redis.cache.windows.net/2')).toEqual({
      ok: true,
      target: {
        kind: 'url',
        url: 'rediss://:secret@my-cache.redis.cache.windows.net/2',
        host: 'my-cache.redis.cache.windows.net',
        port: 6380,
        tls: true,
      },
    });
    expect(parseTarget('REDIS://localhost')).toMatchObject({ ok: true, target: { port: 6379, tls: false } });
  });

  it('reads host:port as an address, a bare word as a cache name', () => {
    expect(parseTarget('127.0.0.1:7412')).toEqual({ ok: true, target: { kind: 'url', url: '127.0.0.1:7412', host: '127.0.0.1', port: 7412, tls: false } });
    expect(parseTarget('localhost:7412')).toEqual({ ok: true, target: { kind: 'url', url: 'localhost:7412', host: 'localhost', port: 7412, tls: false } });
    expect(parseTarget('my-cache.redis.cache.windows.net:6380')).toMatchObject({ ok: true, target: { kind: 'url', port: 6380, tls: true } });
    expect(parseTarget('localhost')).toEqual({ ok: true, target: { kind: 'name', name: 'localhost' } });
  });

  it('reads a cache name', () => {
    expect(parseTarget('orders-prod')).toEqual({ ok: true, target: { kind: 'name', name: 'orders-prod' } });
    expect(parseTarget('a.b_c-1')).toMatchObject({ ok: true });
    expect(parseTarget('x'.repeat(65)).ok).toBe(false);
  });

  it('rejects other input without ever repeating it (it may hold a password)', () => {
    const bad = [
      'http://user:hunter2secret@host',
      'redis://:hunter2secret@',
      'redis://:hunter2secret@host:99999',
      'redis://:hunter2secret@host/notadb',
      'orders prod hunter2secret',
      '',
    ];
    for (const text of bad) {
      const parsed = parseTarget(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) {
        expect(parsed.message).not.toContain('hunter2secret');
        // A URL keyloss can read as one gets the reason it cannot be used (its port, host or db); anything else, the forms accepted.
        if (/^redis:\/\/.+@[^@]+$/.test(text)) expect(parsed.message).toMatch(/port|host|db|database/);
        else expect(parsed.message).toContain('rediss://');
      }
    }
  });
});

describe('parseAnswer', () => {
  it('normalises each format to what a session stores', () => {
    expect(parseAnswer('since', '15m', now)).toEqual({ ok: true, value: '2026-11-26T05:45:00.000Z' });
    expect(parseAnswer('db-index', 'db4', now)).toEqual({ ok: true, value: '4' });
    expect(parseAnswer('key-pattern', ' session:* ', now)).toEqual({ ok: true, value: 'session:*' });
    expect(parseAnswer('target', ' redis://h:1 ', now)).toEqual({ ok: true, value: 'redis://h:1' });
    expect(parseAnswer('target', 'orders-prod', now)).toEqual({ ok: true, value: 'orders-prod' });
    expect(parseAnswer('text', ' it was there at 5 ', now)).toEqual({ ok: true, value: 'it was there at 5' });
  });

  it('passes the parser message through', () => {
    expect(parseAnswer('since', '2x', now)).toEqual({
      ok: false,
      message: '“2x” is not a time. Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d.',
    });
    expect(parseAnswer('text', ' ', now).ok).toBe(false);
    expect(parseAnswer('db-index', 'x', now).ok).toBe(false);
  });
});
