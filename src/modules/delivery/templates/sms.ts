// SMS length rules: GSM-7 fits 160 characters in one segment (153 per part when split); any
// other character forces UCS-2 (70, or 67 per part). We keep login texts within two segments.
const GSM7 =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXT = '^{}\\[~]|€';

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM7.includes(ch) && !GSM7_EXT.includes(ch)) return false;
  return true;
}

export function smsSegments(text: string): number {
  if (isGsm7(text)) {
    let units = 0;
    for (const ch of text) units += GSM7_EXT.includes(ch) ? 2 : 1;
    return units <= 160 ? 1 : Math.ceil(units / 153);
  }
  const units = [...text].reduce((n, ch) => n + (ch.codePointAt(0)! > 0xffff ? 2 : 1), 0);
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

/** A shop name made safe for a one-segment text: accents folded, anything outside GSM-7 dropped. */
export function smsSafeName(name: string, max: number): string {
  const folded = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’‘]/g, "'")
    .replace(/[–—]/g, '-');
  const kept = [...folded].filter((ch) => GSM7.includes(ch) && ch !== '\n' && ch !== '\r').join('').replace(/\s+/g, ' ').trim();
  return kept.length > max ? `${kept.slice(0, max - 1).trimEnd()}.` : kept;
}
