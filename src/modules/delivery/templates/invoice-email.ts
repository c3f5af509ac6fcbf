// "Invoice sent" and "invoice reminder": one tap on the button signs the client in on the invoice.
import { html } from '../../../lib/html.ts';
import { longDate, money } from '../../../lib/format.ts';
import { brandedEmail, type Brand } from './branded-layout.ts';
import type { RenderedMessage } from './login-link.ts';

export interface InvoiceEmailData extends Brand {
  kind: 'sent' | 'reminder';
  clientName: string;
  number: string;
  totalCents: number;
  currency: string;
  dueDate: string;
  link: string;
}

export function renderInvoiceEmail(d: InvoiceEmailData): RenderedMessage {
  const amount = money(d.totalCents, d.currency);
  const due = longDate(d.dueDate);
  const first = d.clientName.split(/\s+/)[0] ?? d.clientName;
  const subject = d.kind === 'sent' ? `Invoice ${d.number} from ${d.shopName}: ${amount}` : `Reminder: invoice ${d.number} (${amount}) is due ${due}`;
  const intro = d.kind === 'sent' ? `${d.shopName} sent you invoice ${d.number}.` : `A friendly reminder that invoice ${d.number} from ${d.shopName} is due ${due}.`;
  const text = [`Hi ${first},`, '', intro, '', `Amount: ${amount}`, `Due: ${due}`, '', 'View and pay it in one tap (no password needed):', d.link, '', `This link is just for you and works until the invoice is paid.`].join('\n');
  const body = html`<p style="margin:0 0 16px;">Hi ${first},</p>
<p style="margin:0 0 20px;">${intro}</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 24px;border:1px solid #e5e7eb;border-radius:8px;">
<tr><td style="padding:14px 16px;font-family:Helvetica,Arial,sans-serif;color:#6b7280;font-size:14px;">Amount due</td><td align="right" style="padding:14px 16px;font-family:Helvetica,Arial,sans-serif;font-size:22px;font-weight:bold;color:#111827;">${amount}</td></tr>
<tr><td style="padding:0 16px 14px;font-family:Helvetica,Arial,sans-serif;color:#6b7280;font-size:14px;">Due date</td><td align="right" style="padding:0 16px 14px;font-family:Helvetica,Arial,sans-serif;font-size:15px;color:#111827;">${due}</td></tr>
</table>`;
  return {
    subject,
    text,
    html: brandedEmail(d, {
      title: subject,
      preheader: `${amount} due ${due}. Pay in one tap.`,
      body,
      button: { label: `View and pay ${amount}`, href: d.link },
      footer: 'This button signs you in to your client portal — no password needed. It is just for you and stops working once the invoice is paid.',
    }),
    sms: '',
  };
}
