import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.ts';

describe('csv', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=HYPERLINK("evil")', '-1'], [null, 'line\nbreak']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n"\'=HYPERLINK(""evil"")",\'-1\r\n,"line\nbreak"\r\n');
  });
});
