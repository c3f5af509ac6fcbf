import { describe, expect, it } from 'vitest';
import { duration, progressBar, progressLine } from './progress.ts';

describe('progress bar', () => {
  it('shows done out of total, the rate and the time left', () => {
    expect(progressLine({ done: 45_000, total: 100_000, elapsedMs: 2000, columns: 80 })).toBe(`[${'█'.repeat(15)}${'░'.repeat(19)}] 45,000/100,000 rows  22,500 rows/s  ETA 2s`);
    expect(progressLine({ done: 10, total: 5, elapsedMs: 1000, columns: 60 })).toMatch(/^\[█+\] 10\/10 rows {2}10 rows\/s {2}ETA 0s$/);
    expect(progressLine({ done: 1234, elapsedMs: 500 })).toBe('1,234 rows  2,468 rows/s');
    expect([duration(59), duration(65), duration(7380)]).toEqual(['59s', '1m 05s', '2h 03m']);
  });

  it('redraws in place at most every 100 ms, and ends its line when finished', () => {
    let t = 0;
    const written: string[] = [];
    const bar = progressBar({ isTTY: true, columns: 80, write: (s) => written.push(s) }, { total: 100, now: () => t });
    for (let done = 1; done <= 100; done++) {
      t += 5; // 100 updates over half a second
      bar.update(done);
    }
    bar.finish(100);
    expect(written.length).toBeLessThanOrEqual(5 + 2);
    expect(written.every((s, i) => (i === written.length - 1 ? s === '\n' : s.startsWith('\r') && s.endsWith('\x1b[K')))).toBe(true);
    expect(written.at(-2)).toContain('100/100 rows');
  });
});
