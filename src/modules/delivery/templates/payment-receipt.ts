// The receipt a client gets by email after paying an invoice in the portal: what was paid, when,
// the provider's reference, and how to reach the shop. Queued with the payment, in one transaction.
import { html } from '../../../lib/html.ts';
import { brandedEmail, type Brand } from './branded-layout.ts';
import { greeting, trFor, type Localized } from './language.ts';
import type { RenderedMessage } from './login-link.ts';
import { shopContactHtml, shopContactText, type ShopContact } from './shop-contact.ts';

export interface PaymentReceiptData extends Brand, Localized {
  clientName: string;
  number: string;
  amountCents: number;
  currency: string;
  /** When the payment was recorded (epoch ms). */
  paidAt: number;
  /** The payment provider's reference for the charge. */
  reference: string;
  /** The invoice in the portal (`/portal/invoices/<id>`): a plain link, the client may have to sign in. */
  invoiceUrl: string;
  contact?: ShopContact | null;
}

const cell = 'padding:10px 16px;font-family:Helvetica,Arial,sans-serif;';
const labelStyle = `${cell}color:#6b7280;font-size:14px;`;
const valueStyle = `${cell}color:#111827;font-size:15px;`;

export function renderPaymentReceipt(d: PaymentReceiptData): RenderedMessage {
  const tr = trFor(d.locale);
  const r = (key: string, vars?: Record<string, unknown>) => tr.t(`email:receipt.${key}`, vars);
  const amount = tr.money(d.amountCents, d.currency);
  const date = tr.dateOf(d.paidAt);
  const vars = { shop: d.shopName, number: d.number, amount, date };
  const subject = r('subject', vars);
  const hi = greeting(tr, d.clientName);
  const rows: { label: string; value: string; style?: string }[] = [
    { label: r('invoice'), value: d.number },
    { label: r('amountPaid'), value: amount, style: 'font-size:20px;font-weight:bold;' },
    { label: r('datePaid'), value: date },
    { label: r('reference'), value: d.reference, style: "font-family:'Courier New',monospace;font-size:13px;word-break:break-all;" },
  ];
  const contact = shopContactText(tr, d.shopName, d.contact);
  const text = [r('heading'), '', hi, '', r('intro', vars), '', ...rows.map((row) => `${row.label}: ${row.value}`), '', r('viewPrompt'), d.invoiceUrl, ...(contact.length ? ['', ...contact] : [])].join('\n');
  const body = html`<p style="margin:0 0 16px;font-size:20px;line-height:28px;font-weight:bold;color:#111827;">${r('heading')}</p>
<p style="margin:0 0 16px;">${hi}</p>
<p style="margin:0 0 20px;">${r('intro', vars)}</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 24px;border:1px solid #e5e7eb;border-radius:8px;">
${rows.map((row) => html`<tr><td style="${labelStyle}">${row.label}</td><td align="right" style="${valueStyle}${row.style ?? ''}">${row.value}</td></tr>`)}
</table>`;
  return {
    subject,
    text,
    html: brandedEmail(d, {
      lang: tr.locale,
      title: subject,
      preheader: r('preheader', vars),
      body,
      button: { label: r('button'), href: d.invoiceUrl },
      footer: r('footer'),
      contact: shopContactHtml(tr, d.shopName, d.contact),
    }),
    sms: '',
  };
}
