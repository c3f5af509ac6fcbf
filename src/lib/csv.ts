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
