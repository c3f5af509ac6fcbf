// "Invoice sent" and "invoice reminder": one tap on the button signs the client in on the invoice.
import { html } from '../../../lib/html.ts';
import { brandedEmail, type Brand } from './branded-layout.ts';
import { greeting, trFor, type Localized } from './language.ts';
import type { RenderedMessage } from './login-link.ts';
import { shopContactHtml, shopContactText, type ShopContact } from './shop-contact.ts';

export interface InvoiceEmailData extends Brand, Localized {
  kind: 'sent' | 'reminder';
  clientName: string;
  number: string;
  totalCents: number;
  currency: string;
  dueDate: string;
  link: string;
  /** How to reach the shop, shown under the footer; absent in messages queued before it existed. */
  contact?: ShopContact | null;
}

const cell = 'font-family:Helvetica,Arial,sans-serif;';

export function renderInvoiceEmail(d: InvoiceEmailData): RenderedMessage {
  const tr = trFor(d.locale);
  const i = (key: string, vars?: Record<string, unknown>) => tr.t(`email:invoice.${key}`, vars);
  const amount = tr.money(d.totalCents, d.currency);
  const due = tr.date(d.dueDate);
  const vars = { number: d.number, shop: d.shopName, amount, due, context: d.kind };
  const subject = i('subject', vars);
  const intro = i('intro', vars);
  const hi = greeting(tr, d.clientName);
  const contact = shopContactText(tr, d.shopName, d.contact);
  const text = [hi, '', intro, '', i('amountLine', { amount }), i('dueLine', { due }), '', i('payPrompt'), d.link, '', i('linkNote'), ...(contact.length ? ['', ...contact] : [])].join('\n');
  const body = html`<p style="margin:0 0 16px;">${hi}</p>
<p style="margin:0 0 20px;">${intro}</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 24px;border:1px solid #e5e7eb;border-radius:8px;">
<tr><td style="padding:14px 16px;${cell}color:#6b7280;font-size:14px;">${i('amountDue')}</td><td align="right" style="padding:14px 16px;${cell}font-size:22px;font-weight:bold;color:#111827;">${amount}</td></tr>
<tr><td style="padding:0 16px 14px;${cell}color:#6b7280;font-size:14px;">${i('dueDate')}</td><td align="right" style="padding:0 16px 14px;${cell}font-size:15px;color:#111827;">${due}</td></tr>
</table>`;
  return {
    subject,
    text,
    html: brandedEmail(d, {
      lang: tr.locale,
      title: subject,
      preheader: i('preheader', { amount, due }),
      body,
      button: { label: i('button', { amount }), href: d.link },
      footer: i('footer'),
      contact: shopContactHtml(tr, d.shopName, d.contact),
    }),
    sms: '',
  };
}
