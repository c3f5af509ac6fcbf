import { describe, expect, it } from 'vitest';
import { createSessionCache } from './session-cache.ts';
import type { SessionForValidation } from './sessions.repo.ts';

const row = (id: string) => ({ id }) as SessionForValidation;

describe('session cache', () => {
  it('serves an entry until its time is up, then asks the store again', () => {
    let t = 0;
    const c = createSessionCache({ ttlMs: 1000, now: () => t });
    c.set('a', row('a'));
    t = 1000;
    expect(c.get('a')?.id).toBe('a');
    t = 1001;
    expect(c.get('a')).toBeUndefined();
  });

  it('forgets at once on delete and clear', () => {
    const c = createSessionCache({ ttlMs: 60_000, now: () => 0 });
    c.set('a', row('a'));
    c.set('b', row('b'));
    c.delete('a');
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')?.id).toBe('b');
    c.clear();
    expect(c.get('b')).toBeUndefined();
  });

  it('stays within its size by dropping the oldest entry', () => {
    const c = createSessionCache({ ttlMs: 60_000, max: 2, now: () => 0 });
    c.set('a', row('a'));
    c.set('b', row('b'));
    c.set('c', row('c'));
    expect(c.get('a')).toBeUndefined();
    expect(c.get('c')?.id).toBe('c');
  });

  // Regression: a lookup that began before a logout could put the old row back in the cache.
  it('does not keep a row read before a revocation', () => {
    const c = createSessionCache({ ttlMs: 60_000, now: () => 0 });
    const before = c.generation;
    c.delete('a'); // logout commits while the lookup is in flight
    c.set('a', row('a'), before);
    expect(c.get('a')).toBeUndefined();
    c.set('a', row('a'), c.generation);
    expect(c.get('a')?.id).toBe('a');
  });

  it('caches nothing when turned off', () => {
    const c = createSessionCache({ ttlMs: 0 });
    c.set('a', row('a'));
    expect(c.get('a')).toBeUndefined();
  });
});
