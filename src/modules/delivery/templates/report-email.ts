// "Service report": what the technician did, one tap to the full report.
import { html } from '../../../lib/html.ts';
import { longDate } from '../../../lib/format.ts';
import { brandedEmail, type Brand } from './branded-layout.ts';
import type { RenderedMessage } from './login-link.ts';

export interface ReportEmailData extends Brand {
  clientName: string;
  title: string;
  serviceDate: string;
  technician: string;
  summary: string;
  link: string;
}

export function renderReportEmail(d: ReportEmailData): RenderedMessage {
  const when = longDate(d.serviceDate);
  const first = d.clientName.split(/\s+/)[0] ?? d.clientName;
  const subject = `Your service report from ${d.shopName} — ${when}`;
  const summary = d.summary.length > 280 ? `${d.summary.slice(0, 277)}…` : d.summary;
  const text = [`Hi ${first},`, '', `${d.technician} from ${d.shopName} visited on ${when}: ${d.title}.`, ...(summary ? ['', summary] : []), '', 'Read the full report:', d.link].join('\n');
  const body = html`<p style="margin:0 0 16px;">Hi ${first},</p>
<p style="margin:0 0 16px;"><strong>${d.technician}</strong> from ${d.shopName} visited on ${when}: ${d.title}.</p>
${summary ? html`<p style="margin:0 0 24px;padding:12px 16px;background:#f9fafb;border-radius:8px;color:#374151;">${summary}</p>` : ''}`;
  return {
    subject,
    text,
    html: brandedEmail(d, {
      title: subject,
      preheader: `${d.title} on ${when}`,
      body,
      button: { label: 'Read the full report', href: d.link },
      footer: 'This button signs you in to your client portal — no password needed. It is just for you and works for 90 days.',
    }),
    sms: '',
  };
}
