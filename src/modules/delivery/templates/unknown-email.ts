// Sent (at most daily) when someone asks for a link with an email no shop has on file, so a
// homeowner whose shop has a wrong address learns why nothing arrives. Email only, never SMS.
import { DEFAULT_BRAND_COLOR } from '../../../lib/color.ts';
import { html } from '../../../lib/html.ts';
import { brandedEmail } from './branded-layout.ts';
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
  const body = brandedEmail(
    { shopName: 'Servicio client portal', brandColor: DEFAULT_BRAND_COLOR, logoUrl: null },
    {
      title: subject,
      preheader: 'No service provider has this address on file.',
      body: html`<p style="margin:0 0 16px;">Someone (hopefully you) asked for a sign-in link to a Servicio client portal with this email address, but no service provider has it on file.</p>
<p style="margin:0 0 20px;">Ask your lawn, pool, pest or cleaning service to check the email they have for you, or sign in with your mobile number instead.</p>`,
      button: { label: 'Sign in with my mobile number', href: d.loginUrl },
      footer: 'If you didn’t ask for this, ignore this email.',
    },
  );
  return { subject, text, html: body, sms: '' };
}
