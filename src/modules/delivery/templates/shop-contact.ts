// How a homeowner reaches the shop (Settings: phone, email, postal address), under the body of
// the emails about money — an invoice, a receipt — where a question is most likely.
import { html, type SafeHtml } from '../../../lib/html.ts';
import { phoneForPeople, type Tr } from '../../../lib/i18n.ts';

export interface ShopContact {
  /** E.164. */
  phone: string | null;
  email: string | null;
  /** Lines separated by newlines. */
  address: string | null;
}

/** The shop's contact details from its row, or null when it has set none. */
export function shopContactOf(t: { contact_phone: string | null; contact_email: string | null; address: string | null }): ShopContact | null {
  const c = { phone: t.contact_phone || null, email: t.contact_email || null, address: t.address?.trim() || null };
  return c.phone || c.email || c.address ? c : null;
}

const addressLines = (a: string | null) => (a ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

export function shopContactText(tr: Tr, shop: string, c: ShopContact | null | undefined): string[] {
  if (!c || !(c.phone || c.email || c.address)) return [];
  return [
    tr.t('email:shopContact.heading', { shop }),
    ...(c.phone ? [tr.t('email:shopContact.phone', { phone: phoneForPeople(c.phone) })] : []),
    ...(c.email ? [tr.t('email:shopContact.email', { email: c.email })] : []),
    ...addressLines(c.address),
  ];
}

export function shopContactHtml(tr: Tr, shop: string, c: ShopContact | null | undefined): SafeHtml | '' {
  if (!c || !(c.phone || c.email || c.address)) return '';
  const link = 'color:#374151;text-decoration:underline;';
  const lines: SafeHtml[] = [
    html`${tr.t('email:shopContact.heading', { shop })}`,
    ...(c.phone ? [html`<a href="tel:${c.phone}" style="${link}">${tr.t('email:shopContact.phone', { phone: phoneForPeople(c.phone) })}</a>`] : []),
    ...(c.email ? [html`<a href="mailto:${c.email}" style="${link}">${tr.t('email:shopContact.email', { email: c.email })}</a>`] : []),
    ...addressLines(c.address).map((l) => html`${l}`),
  ];
  return html`<p style="margin:20px 0 0;font-size:13px;line-height:19px;color:#6b7280;">${lines.map((l, i) => (i ? html`<br>
${l}` : l))}</p>`;
}
