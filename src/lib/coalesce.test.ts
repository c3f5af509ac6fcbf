import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.ts';

describe('coalesce', () => {
  it('answers the calls of one turn with one call, each with its own result', async () => {
    const seen: number[][] = [];
    const double = coalesce(async (xs: number[]) => {
      seen.push(xs);
      return xs.map((x) => x * 2);
    });
    expect(await Promise.all([double(1), double(2), double(3)])).toEqual([2, 4, 6]);
    expect(seen).toEqual([[1, 2, 3]]);
    // A later turn asks again: nothing is cached.
    expect(await double(1)).toBe(2);
    expect(seen).toEqual([[1, 2, 3], [1]]);
  });

  it('gathers calls made after awaits in the same turn (a batch of jobs at the same step)', async () => {
    const seen: string[][] = [];
    const load = coalesce(async (ids: string[]) => {
      seen.push(ids);
      return ids.map((id) => `row ${id}`);
    });
    const job = async (id: string) => {
      const first = await load(id);
      await Promise.resolve();
      return [first, await load(`${id}'`)];
    };
    expect(await Promise.all(['a', 'b'].map(job))).toEqual([['row a', "row a'"], ['row b', "row b'"]]);
    expect(seen).toEqual([['a', 'b'], ["a'", "b'"]]);
  });

  it('rejects every call of the turn when the call fails', async () => {
    const fail = coalesce(async (_: number[]): Promise<number[]> => {
      throw new Error('store away');
    });
    const r = await Promise.allSettled([fail(1), fail(2)]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
  });
});
