// CSV (RFC 4180) that spreadsheets open safely: quoted where needed, and a cell that would start a
// formula (=, +, -, @, tab, CR) is prefixed with an apostrophe, so a client's name cannot run code.
const cell = (v: unknown): string => {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/**
 * Reads CSV (RFC 4180) a piece at a time: fields separated by commas, records by CRLF, LF or CR;
 * a field in double quotes may hold commas, line breaks and quotes (written twice); a UTF-8 BOM at
 * the start is dropped; empty lines are skipped. Each record carries the line it starts on.
 *
 * A malformed record (a stray quote, a closing quote followed by something other than a comma or
 * line break, a quote that never closes by the end of the text or within `maxRecordChars`) does not
 * end the reading: it comes back as `{ line, error }` and reading goes on at the line after the
 * record's first.
 */
export class CsvReader {
  #buf = '';
  #line = 1;
  #started = false;
  readonly #max: number;

  constructor(o: { maxRecordChars?: number } = {}) {
    this.#max = o.maxRecordChars ?? 64 * 1024;
  }

  /** The records completed by this piece of text (the rest waits for the next piece). */
  push(text: string): CsvRecord[] {
    this.#buf += text;
    return this.#drain(false);
  }

  /** The records left at the end of the text. */
  end(): CsvRecord[] {
    return this.#drain(true);
  }

  #drain(final: boolean): CsvRecord[] {
    if (!this.#started) {
      if (this.#buf.length === 0 && !final) return [];
      if (this.#buf.charCodeAt(0) === 0xfeff) this.#buf = this.#buf.slice(1);
      this.#started = true;
    }
    const out: CsvRecord[] = [];
    const s = this.#buf;
    let at = 0;
    while (at < s.length) {
      const r = this.#record(s, at, final);
      if (!r) break;
      if (!('skip' in r)) out.push(r.record);
      at = r.next;
      this.#line = r.nextLine;
    }
    this.#buf = at === 0 ? s : s.slice(at);
    return out;
  }

  /** One record from `start`, or null when the text so far ends inside it. */
  #record(s: string, start: number, final: boolean): { record: CsvRecord; next: number; nextLine: number } | { skip: true; next: number; nextLine: number } | null {
    const first = this.#line;
    let line = first;
    let pos = start;
    const fields: string[] = [];
    /** Ends the record at a line break at `p` (CR, LF or CRLF); null if a CR is the last character so far. */
    const lineEnd = (p: number) => {
      if (p >= s.length) return { next: p, nextLine: line + 1 };
      if (s.charCodeAt(p) === 13) {
        if (p + 1 >= s.length && !final) return null;
        return { next: s.charCodeAt(p + 1) === 10 ? p + 2 : p + 1, nextLine: line + 1 };
      }
      return { next: p + 1, nextLine: line + 1 };
    };
    /**
     * A malformed record: reading goes on at the line after its first. No value of ours spans lines,
     * so a quote that was never meant to open a field must not swallow the lines after it silently.
     */
    const broken = (error: string) => {
      const nl = nextBreak(s, start);
      if (nl === -1 || (s.charCodeAt(nl) === 13 && nl + 1 >= s.length)) {
        if (!final && s.length - start <= this.#max) return null;
      }
      const next = nl === -1 ? s.length : s.charCodeAt(nl) === 13 && s.charCodeAt(nl + 1) === 10 ? nl + 2 : nl + 1;
      return { record: { line: first, error }, next, nextLine: first + 1 };
    };
    for (;;) {
      if (s.charCodeAt(pos) === 34 /* " */) {
        let value = '';
        let from = pos + 1;
        for (;;) {
          const q = s.indexOf('"', from);
          if (q === -1 || q - start > this.#max) {
            if (q === -1 && !final && s.length - start <= this.#max) return null;
            return broken(`a quoted field opened on line ${first} is never closed`);
          }
          line += countBreaks(s, from, q);
          if (q + 1 >= s.length && !final) return null;
          if (s.charCodeAt(q + 1) === 34) {
            value += s.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += s.slice(from, q);
          pos = q + 1;
          break;
        }
        fields.push(value);
        const c = s.charCodeAt(pos);
        if (c === 44 /* , */) {
          pos++;
          continue;
        }
        if (pos >= s.length || c === 10 || c === 13) {
          const end = lineEnd(pos);
          return end && { record: { line: first, fields }, ...end };
        }
        return broken(`a closing quote is followed by “${s[pos]}” (a quote inside a quoted value is written twice: "")`);
      }
      let p = pos;
      let c = 0;
      while (p < s.length) {
        c = s.charCodeAt(p);
        if (c === 44 || c === 10 || c === 13 || c === 34) break;
        p++;
      }
      if (p >= s.length && !final) return null;
      if (p < s.length && c === 34) return broken('a quote inside a value that does not start with one (put the whole value in quotes and write the quote twice: "")');
      fields.push(s.slice(pos, p));
      if (p < s.length && c === 44) {
        pos = p + 1;
        continue;
      }
      const end = lineEnd(p);
      if (!end) return null;
      // An empty line is no record.
      if (fields.length === 1 && fields[0] === '') return { skip: true, ...end };
      return { record: { line: first, fields }, ...end };
    }
  }
}

function nextBreak(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return -1;
}

/** Line breaks (CRLF, LF or CR, each counted once) in s[from, to). */
function countBreaks(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && s.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}
