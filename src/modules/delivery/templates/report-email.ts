// "Service report": what the technician did, one tap to the full report.
import { html } from '../../../lib/html.ts';
import { brandedEmail, type Brand } from './branded-layout.ts';
import { greeting, trFor, type Localized } from './language.ts';
import type { RenderedMessage } from './login-link.ts';

export interface ReportEmailData extends Brand, Localized {
  clientName: string;
  title: string;
  serviceDate: string;
  technician: string;
  summary: string;
  link: string;
}

export function renderReportEmail(d: ReportEmailData): RenderedMessage {
  const tr = trFor(d.locale);
  const r = (key: string, vars?: Record<string, unknown>) => tr.t(`email:report.${key}`, vars);
  const date = tr.date(d.serviceDate);
  const vars = { shop: d.shopName, technician: d.technician, title: d.title, date };
  const subject = r('subject', vars);
  const summary = d.summary.length > 280 ? `${d.summary.slice(0, 277)}…` : d.summary;
  const hi = greeting(tr, d.clientName);
  const text = [hi, '', r('visited', vars), ...(summary ? ['', summary] : []), '', r('readPrompt'), d.link].join('\n');
  const body = html`<p style="margin:0 0 16px;">${hi}</p>
<p style="margin:0 0 16px;">${tr.h('email:report.visitedHtml', vars)}</p>
${summary ? html`<p style="margin:0 0 24px;padding:12px 16px;background:#f9fafb;border-radius:8px;color:#374151;">${summary}</p>` : ''}`;
  return {
    subject,
    text,
    html: brandedEmail(d, {
      lang: tr.locale,
      title: subject,
      preheader: r('preheader', vars),
      body,
      button: { label: r('button'), href: d.link },
      footer: r('footer'),
    }),
    sms: '',
  };
}
