import { trFor } from './language.ts';
import { renderLoginLink, type LoginLinkData, type RenderedMessage } from './login-link.ts';
import { renderUnknownEmail, type UnknownEmailData } from './unknown-email.ts';
import { renderInvoiceEmail, type InvoiceEmailData } from './invoice-email.ts';
import { renderReportEmail, type ReportEmailData } from './report-email.ts';
import { renderPaymentReceipt, type PaymentReceiptData } from './payment-receipt.ts';
import { renderContactChanged, renderContactCode, renderRecoveryLink, renderRecoveryNotice, type ContactChangedData, type ContactCodeData, type RecoveryLinkData, type RecoveryNoticeData } from './recovery.ts';

/** Template name → the data it needs. Adding a message means a template file and a line here. */
export interface TemplateData {
  'login-link': LoginLinkData;
  'unknown-email': UnknownEmailData;
  'invoice-email': InvoiceEmailData;
  'report-email': ReportEmailData;
  'recovery-link': RecoveryLinkData;
  'recovery-notice': RecoveryNoticeData;
  'contact-code': ContactCodeData;
  'contact-changed': ContactChangedData;
  'payment-receipt': PaymentReceiptData;
}
export type TemplateName = keyof TemplateData;

const renderers: { [K in TemplateName]: (d: TemplateData[K]) => RenderedMessage } = {
  'login-link': renderLoginLink,
  'unknown-email': renderUnknownEmail,
  'invoice-email': renderInvoiceEmail,
  'report-email': renderReportEmail,
  'recovery-link': renderRecoveryLink,
  'recovery-notice': renderRecoveryNotice,
  'contact-code': renderContactCode,
  'contact-changed': renderContactChanged,
  'payment-receipt': renderPaymentReceipt,
};

export function render<T extends TemplateName>(template: T, data: TemplateData[T]): RenderedMessage {
  const m = renderers[template](data);
  // Every email from a shop ends with that shop's own sign-in page (its HTML frame links it too).
  const signInUrl = (data as { signInUrl?: string | null }).signInUrl;
  if (signInUrl && m.text) return { ...m, text: `${m.text}\n\n${trFor((data as { locale?: string | null }).locale).t('email:common.signInAt')} ${signInUrl}` };
  return m;
}

/** The From name for email: the one shop a message is about, else the product. */
export function fromName(template: TemplateName, data: TemplateData[TemplateName]): string {
  if (template === 'login-link') {
    const names = (data as LoginLinkData).shopNames;
    if (names.length === 1) return names[0]!;
  }
  if (template === 'invoice-email' || template === 'report-email' || template === 'recovery-link' || template === 'recovery-notice' || template === 'contact-code' || template === 'contact-changed' || template === 'payment-receipt') return (data as { shopName: string }).shopName;
  return 'Servicio Portal';
}
