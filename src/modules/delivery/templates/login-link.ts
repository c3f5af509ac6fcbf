// The login message: one per channel. Email gets a subject, an HTML body built for mail clients
// (tables, inline styles) and a plain-text body; SMS gets one short GSM-7 text.
import { html } from '../../../lib/html.ts';
import { smsSafeName } from './sms.ts';

export interface LoginLinkData {
  /** One shop's name, or several when the email/phone is a client at more than one shop. */
  shopNames: string[];
  brandColor: string;
  link: string;
  code: string;
  minutes: number;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

const who = (names: string[]) => (names.length === 1 ? names[0]! : 'your service providers');

export function renderLoginLink(d: LoginLinkData): RenderedMessage {
  const shop = who(d.shopNames);
  const subject = `Your sign-in link for ${shop}`;
  const also = d.shopNames.length > 1 ? `You're a client of ${d.shopNames.join(' and ')}; you'll choose which portal to open.` : '';
  const text = [
    `Sign in to ${shop}`,
    '',
    `Tap this link to open your portal:`,
    d.link,
    '',
    `Or type this code on the sign-in page: ${d.code}`,
    '',
    ...(also ? [also, ''] : []),
    `The link and code work once and expire in ${d.minutes} minutes.`,
    `If you didn't ask to sign in, you can ignore this email — nobody can get in without it.`,
  ].join('\n');

  const color = /^#[0-9a-f]{6}$/i.test(d.brandColor) ? d.brandColor : '#2563eb';
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${subject}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:480px;background:#ffffff;border-radius:12px;border:1px solid #e5e7eb;">
<tr><td style="padding:20px 28px;border-bottom:4px solid ${color};font-family:Helvetica,Arial,sans-serif;font-size:18px;font-weight:bold;color:#111827;">${shop}</td></tr>
<tr><td style="padding:28px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;color:#374151;">
<p style="margin:0 0 20px;">Tap the button to sign in to your client portal.</p>
<table role="presentation" cellpadding="0" cellspacing="0" width="100%"><tr><td align="center" style="border-radius:8px;background:${color};">
<a href="${d.link}" style="display:block;padding:14px 24px;font-family:Helvetica,Arial,sans-serif;font-size:17px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:8px;">Sign in to my portal</a>
</td></tr></table>
<p style="margin:24px 0 8px;">Or type this code on the sign-in page:</p>
<p style="margin:0 0 24px;font-family:'Courier New',monospace;font-size:30px;letter-spacing:6px;font-weight:bold;color:#111827;">${d.code}</p>
${also ? html`<p style="margin:0 0 16px;">${also}</p>` : ''}
<p style="margin:0;font-size:14px;line-height:20px;color:#6b7280;">The link and code work once and expire in ${d.minutes} minutes. If you didn't ask to sign in, ignore this email — nobody can get in without it.</p>
</td></tr></table>
</td></tr></table>
</body></html>`.value;

  const smsName = smsSafeName(shop, 30);
  const sms = `${smsName}: tap to sign in ${d.link} or enter code ${d.code}. Expires in ${d.minutes} min.`;
  return { subject, text, html: body, sms };
}
