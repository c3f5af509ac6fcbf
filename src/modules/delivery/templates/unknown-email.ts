// Sent (at most daily) when someone asks for a link with an email no shop has on file, so a
// homeowner whose shop has a wrong address learns why nothing arrives. Email only, never SMS.
import { html } from '../../../lib/html.ts';
import type { RenderedMessage } from './login-link.ts';

export interface UnknownEmailData {
  loginUrl: string;
}

export function renderUnknownEmail(d: UnknownEmailData): RenderedMessage {
  const subject = 'We couldn’t find a client portal for this address';
  const text = [
    'Someone (hopefully you) asked for a sign-in link to a Servicio client portal with this email address.',
    '',
    'No service provider using Servicio has this address on file, so there is no portal to sign in to.',
    'If you are a client of a lawn, pool, pest or cleaning service, ask them to check the email address they have for you,',
    'or sign in with your mobile number instead:',
    d.loginUrl,
    '',
    'If you did not ask for this, you can ignore this email.',
  ].join('\n');
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:480px;background:#ffffff;border-radius:12px;border:1px solid #e5e7eb;">
<tr><td style="padding:28px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;color:#374151;">
<p style="margin:0 0 16px;font-size:18px;font-weight:bold;color:#111827;">${subject}</p>
<p style="margin:0 0 16px;">Someone (hopefully you) asked for a sign-in link to a Servicio client portal with this email address, but no service provider has it on file.</p>
<p style="margin:0 0 16px;">Ask your lawn, pool, pest or cleaning service to check the email they have for you, or <a href="${d.loginUrl}" style="color:#2563eb;">sign in with your mobile number</a> instead.</p>
<p style="margin:0;font-size:14px;color:#6b7280;">If you didn’t ask for this, ignore this email.</p>
</td></tr></table></td></tr></table></body></html>`.value;
  return { subject, text, html: body, sms: '' };
}
