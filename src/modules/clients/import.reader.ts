// The rows of a client import file — CSV with a header row, or JSON lines — each with the line it
// starts on: the values as written (no rule applied yet; import.service.ts does that), or why the
// line could not be read. A file that cannot be read as a whole (no header, an unknown column)
// throws: nothing of it is imported.
import { CsvReader } from '../../lib/csv.ts';
import { clientErrors } from './clients.errors.ts';

export type ImportFormat = 'csv' | 'jsonl';
/** The file: its bytes (a read stream, standard input) or its text, in pieces of any size. */
export type ImportSource = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'jsonl'];

export const IMPORT_COLUMNS = ['externalId', 'name', 'email', 'phone', 'locale'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/**
 * One row's values as written. A column the file does not have is absent (undefined): an update
 * leaves that detail as it is. An empty cell (or JSON null) is '' — no email, no phone; for the
 * language, not said.
 */
export type ImportValues = Partial<Record<ImportColumn, string>>;
export type ImportRow = { line: number; values: ImportValues } | { line: number; error: string };

/** "External ID", "external_id" and "externalId" all name the same column. */
const columnOf = (name: string): ImportColumn | undefined => {
  const key = name.trim().toLowerCase().replace(/[\s_-]/g, '');
  return IMPORT_COLUMNS.find((c) => c.toLowerCase() === key);
};
const COLUMN_LIST = IMPORT_COLUMNS.join(', ');

/** Text from bytes (UTF-8; bytes that are not UTF-8 become U+FFFD, which refuses their row). */
async function* textOf(source: ImportSource, onBytes?: (n: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      onBytes?.(Buffer.byteLength(chunk));
      yield chunk;
    } else {
      onBytes?.(chunk.byteLength);
      yield decoder.decode(chunk, { stream: true });
    }
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

export function readImportRows(source: ImportSource, format: ImportFormat, onBytes?: (n: number) => void): AsyncGenerator<ImportRow> {
  const text = textOf(source, onBytes);
  return format === 'csv' ? csvRows(text) : jsonRows(text);
}

async function* csvRows(text: AsyncIterable<string>): AsyncGenerator<ImportRow> {
  const reader = new CsvReader();
  let columns: ImportColumn[] | undefined;
  const rowsOf = function* (records: ReturnType<CsvReader['push']>): Generator<ImportRow> {
    for (const r of records) {
      if (!columns) {
        if ('error' in r) throw clientErrors.IMPORT_FILE(`The header row (line ${r.line}) cannot be read: ${r.error}.`);
        columns = headerOf(r.fields, r.line);
        continue;
      }
      if ('error' in r) {
        yield r;
        continue;
      }
      if (r.fields.length !== columns.length) {
        // A row of nothing but empty cells (what spreadsheets leave at the end) is no row.
        if (r.fields.every((f) => f.trim() === '')) continue;
        yield { line: r.line, error: `has ${r.fields.length} value${r.fields.length === 1 ? '' : 's'} where the header has ${columns.length} columns (a value with a comma in it goes in "quotes")` };
        continue;
      }
      if (r.fields.every((f) => f.trim() === '')) continue;
      const values: ImportValues = {};
      columns.forEach((c, i) => (values[c] = r.fields[i]!));
      yield { line: r.line, values };
    }
  };
  for await (const piece of text) yield* rowsOf(reader.push(piece));
  yield* rowsOf(reader.end());
  if (!columns) throw clientErrors.IMPORT_FILE(`The file is empty: a CSV import starts with a header row (${COLUMN_LIST}).`);
}

function headerOf(fields: string[], line: number): ImportColumn[] {
  const columns: ImportColumn[] = [];
  for (const f of fields) {
    const c = columnOf(f);
    if (!c) throw clientErrors.IMPORT_FILE(`Unknown column "${f.trim()}" in the header row (line ${line}); the columns are ${COLUMN_LIST}.`);
    if (columns.includes(c)) throw clientErrors.IMPORT_FILE(`The column ${c} appears twice in the header row (line ${line}).`);
    columns.push(c);
  }
  const missing = (['externalId', 'name'] as const).filter((c) => !columns.includes(c));
  if (missing.length) throw clientErrors.IMPORT_FILE(`The header row (line ${line}) has no ${missing.join(' or ')} column; the columns are ${COLUMN_LIST} (email or phone, or both).`);
  if (!columns.includes('email') && !columns.includes('phone')) throw clientErrors.IMPORT_FILE(`The header row (line ${line}) has neither an email nor a phone column; a client needs one to sign in.`);
  return columns;
}

async function* jsonRows(text: AsyncIterable<string>): AsyncGenerator<ImportRow> {
  let rest = '';
  let line = 0;
  let first = true;
  const rowOf = (raw: string): ImportRow | undefined => {
    line++;
    if (first) {
      first = false;
      if (raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    }
    const s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (s.trim() === '') return undefined;
    let o: unknown;
    try {
      o = JSON.parse(s);
    } catch {
      return { line, error: 'is not valid JSON (one object per line, like {"externalId": "C-1", "name": "Lee Park", "email": "lee@example.com"})' };
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return { line, error: 'is not a JSON object (one object per line, like {"externalId": "C-1", "name": "Lee Park"})' };
    const values: ImportValues = {};
    for (const [k, v] of Object.entries(o)) {
      const c = columnOf(k);
      if (!c) return { line, error: `has an unknown field "${k}"; the fields are ${COLUMN_LIST}` };
      if (c in values) return { line, error: `names the field ${c} twice` };
      if (v === null) values[c] = '';
      else if (typeof v === 'string') values[c] = v;
      else if (typeof v === 'number' && Number.isFinite(v)) values[c] = String(v);
      else return { line, error: `${c}: must be text` };
    }
    return { line, values };
  };
  for await (const piece of text) {
    rest += piece;
    let nl = rest.indexOf('\n');
    let from = 0;
    while (nl !== -1) {
      const row = rowOf(rest.slice(from, nl));
      if (row) yield row;
      from = nl + 1;
      nl = rest.indexOf('\n', from);
    }
    rest = rest.slice(from);
  }
  if (rest) {
    const row = rowOf(rest);
    if (row) yield row;
  }
}
