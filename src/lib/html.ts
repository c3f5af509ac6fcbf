// A tiny, escaping-by-default HTML template tag. Interpolations are escaped unless wrapped in
// `raw()` or produced by another `html` call, so user data can never become markup.
const SAFE = Symbol('safe-html');
export interface SafeHtml {
  [SAFE]: true;
  value: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

export const raw = (value: string): SafeHtml => ({ [SAFE]: true, value });

type Part = SafeHtml | string | number | null | undefined | false | Part[];

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (Array.isArray(p)) return p.map(render).join('');
  if (typeof p === 'object' && SAFE in p) return p.value;
  return escapeHtml(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return raw(out);
}
