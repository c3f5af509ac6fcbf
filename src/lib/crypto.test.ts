import { describe, expect, it } from 'vitest';
import { createSealer, hmac, randomDigits, randomToken, safeEqual, sha256 } from './crypto.ts';

describe('randomToken', () => {
  it('is 48 URL-safe characters by default (288 bits) and never repeats', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const t = randomToken();
      expect(t).toMatch(/^[A-Za-z0-9_-]{48}$/);
      seen.add(t);
    }
    expect(seen.size).toBe(2000);
  });
});

describe('randomDigits', () => {
  it('gives six digits, zero-padded, spread over the whole range', () => {
    const codes = Array.from({ length: 5000 }, () => randomDigits(6));
    for (const c of codes) expect(c).toMatch(/^\d{6}$/);
    const firstDigits = new Set(codes.map((c) => c[0]));
    expect(firstDigits.size).toBe(10);
  });
});

describe('hashing', () => {
  it('sha256 is stable and hides the input', () => {
    expect(sha256('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(sha256('abc')).not.toContain('abc');
  });
  it('hmac depends on the key', () => {
    expect(hmac('k1', 'v')).not.toBe(hmac('k2', 'v'));
    expect(hmac('k1', 'v')).toBe(hmac('k1', 'v'));
  });
  it('safeEqual compares content and length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('sealer', () => {
  const s = createSealer('a-secret-that-is-long-enough-0123456789');
  it('round-trips and never shows the plain text', () => {
    const sealed = s.seal('{"link":"https://x/l/abc"}');
    expect(sealed).not.toContain('abc');
    expect(s.open(sealed)).toBe('{"link":"https://x/l/abc"}');
    expect(s.seal('same')).not.toBe(s.seal('same'));
  });
  it('refuses tampered data and other keys', () => {
    const sealed = s.seal('hello');
    const parts = sealed.split('.');
    parts[2] = Buffer.from('jello').toString('base64url');
    expect(() => s.open(parts.join('.'))).toThrow();
    expect(() => createSealer('another-secret-that-is-long-enough-xx').open(sealed)).toThrow();
  });
});
