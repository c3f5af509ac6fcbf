// "gmial.com" is almost always "gmail.com": a suggestion for the common mistakes, never a rule.
const COMMON = ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com', 'live.com', 'msn.com', 'me.com', 'comcast.net', 'att.net', 'verizon.net', 'sbcglobal.net', 'protonmail.com'];
const TLD_FIXES: Record<string, string> = { con: 'com', cmo: 'com', ocm: 'com', cm: 'com', om: 'com', comm: 'com', nte: 'net', ent: 'net' };

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of two neighbours (gmial) counts as one mistake.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, prev);
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The email as it was probably meant, when its domain looks like a slip on a common one; else null. */
export function suggestEmail(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  if (COMMON.includes(domain)) return null;
  const dot = domain.lastIndexOf('.');
  const fixedTld = dot > 0 && TLD_FIXES[domain.slice(dot + 1)] ? `${domain.slice(0, dot)}.${TLD_FIXES[domain.slice(dot + 1)]}` : domain;
  if (COMMON.includes(fixedTld)) return `${local}@${fixedTld}`;
  let best: { d: string; n: number } | null = null;
  for (const d of COMMON) {
    const n = distance(fixedTld, d);
    if (n <= 2 && (!best || n < best.n)) best = { d, n };
  }
  return best ? `${local}@${best.d}` : null;
}
