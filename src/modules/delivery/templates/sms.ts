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

/** Typography GSM-7 lacks, written the way a phone can carry it. */
const LOOKALIKES: Record<string, string> = { '’': "'", '‘': "'", '“': '"', '”': '"', '–': '-', '—': '-', '…': '...', '•': '*', '\u00a0': ' ', '\u202f': ' ', '\u2009': ' ' };

/**
 * Any text (a whole Spanish message too) made GSM-7: what GSM-7 has is kept as is (é ñ ü ¿ ¡ are
 * in it), other accents are folded (á → a, ó → o), typography becomes its plain look-alike, and
 * anything else (emoji) is dropped. Keeps a text at 160 characters a segment instead of 70.
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const ch of text) {
    if (GSM7.includes(ch) || GSM7_EXT.includes(ch)) out += ch;
    else if (LOOKALIKES[ch] !== undefined) out += LOOKALIKES[ch];
    else for (const base of ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')) if (GSM7.includes(base) || GSM7_EXT.includes(base)) out += base;
  }
  return out.replace(/ {2,}/g, ' ');
}

/** A shop name made safe for a short text: GSM-7 (see toGsm7), on one line, at most `max` characters. */
export function smsSafeName(name: string, max: number): string {
  const kept = toGsm7(name).replace(/\s+/g, ' ').trim();
  return kept.length > max ? `${kept.slice(0, max - 1).trimEnd()}.` : kept;
}
