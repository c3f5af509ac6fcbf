/** Servicio's own blue, for anything not branded by one shop. */
export const DEFAULT_BRAND_COLOR = '#2563eb';

/** A brand colour safe to put in CSS or an email's inline style: exactly #rrggbb, else our blue. */
export function safeColor(c: string | null | undefined): string {
  return c && /^#[0-9a-f]{6}$/i.test(c) ? c.toLowerCase() : DEFAULT_BRAND_COLOR;
}
