import { describe, expect, it } from 'vitest';
import { CsvReader, toCsv, type CsvRecord } from './csv.ts';

/** Reads `text` fed in pieces of `size` characters (1: every boundary a chunk can fall on). */
function read(text: string, size = text.length || 1, o: { maxRecordChars?: number } = {}): CsvRecord[] {
  const r = new CsvReader(o);
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...r.push(text.slice(i, i + size)));
  return [...out, ...r.end()];
}

describe('csv', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=HYPERLINK("evil")', '-1'], [null, 'line\nbreak']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n"\'=HYPERLINK(""evil"")",\'-1\r\n,"line\nbreak"\r\n');
  });

  it('reads RFC 4180: quoted commas, quotes and line breaks, CRLF/LF/CR, a BOM, empty lines; each record with its first line', () => {
    const text = '\uFEFFid,name\r\n1,"Park, Lee"\r\n2,"Ana ""Annie"" Ruiz"\n3,"two\r\nlines"\n\n4,\r5,last';
    const expected: CsvRecord[] = [
      { line: 1, fields: ['id', 'name'] },
      { line: 2, fields: ['1', 'Park, Lee'] },
      { line: 3, fields: ['2', 'Ana "Annie" Ruiz'] },
      { line: 4, fields: ['3', 'two\r\nlines'] },
      { line: 7, fields: ['4', ''] },
      { line: 8, fields: ['5', 'last'] },
    ];
    expect(read(text)).toEqual(expected);
    // The same records however the text is cut into pieces.
    for (const size of [1, 2, 3, 7]) expect(read(text, size)).toEqual(expected);
    expect(read('a,b\n', 1)).toEqual([{ line: 1, fields: ['a', 'b'] }]);
    expect(read('')).toEqual([]);
  });

  it('reports a malformed record with its line and reads on at the next line', () => {
    const text = 'a,b\nx,bad"quote\ny,"closed"early\nz,"fine ""quoted"""\n';
    for (const size of [text.length, 1, 4]) {
      expect(read(text, size)).toEqual([
        { line: 1, fields: ['a', 'b'] },
        { line: 2, error: expect.stringContaining('a quote inside a value') },
        { line: 3, error: expect.stringContaining('a closing quote is followed by “e”') },
        { line: 4, fields: ['z', 'fine "quoted"'] },
      ]);
    }
  });

  it('a stray opening quote swallows no lines: its record is refused and reading goes on at the line after its first', () => {
    // The quote on line 2 "closes" at the one on line 4: that record is refused, lines 3 and 4 are read again.
    const text = 'a,b\n1,"stray\n2,ok\n3,"multi\nline"\n4,"never closed\n5,ok\n';
    const expected: CsvRecord[] = [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: 'a closing quote is followed by “m” (a quote inside a quoted value is written twice: "")' },
      { line: 3, fields: ['2', 'ok'] },
      { line: 4, fields: ['3', 'multi\nline'] },
      { line: 6, error: 'a quoted field opened on line 6 is never closed' },
      { line: 7, fields: ['5', 'ok'] },
    ];
    for (const size of [text.length, 1, 5]) expect(read(text, size)).toEqual(expected);
    // A runaway quoted field (longer than any record can be) is cut off without waiting for the end.
    const runaway = read(`1,"oops\n${'2,x\n'.repeat(50)}`, 16, { maxRecordChars: 64 });
    expect(runaway[0]).toEqual({ line: 1, error: 'a quoted field opened on line 1 is never closed' });
    expect(runaway.slice(1)).toEqual(Array.from({ length: 50 }, (_, i) => ({ line: i + 2, fields: ['2', 'x'] })));
  });
});
