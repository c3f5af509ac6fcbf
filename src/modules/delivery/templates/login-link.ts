// The login message: one per channel. Email gets a subject, an HTML body built for mail clients
// (tables, inline styles) and a plain-text body; SMS gets one short GSM-7 text.
import { html } from '../../../lib/html.ts';
import { brandedEmail } from './branded-layout.ts';
import { smsSafeName } from './sms.ts';

export interface LoginLinkData {
  /** One shop's name, or several when the email/phone is a client at more than one shop. */
  shopNames: string[];
  brandColor: string;
  link: string;
  code: string;
  minutes: number;
  /** Someone signing in to a console — a shop's staff (`shop`) or Servicio support — not a client. */
  console?: 'shop' | 'support';
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

const who = (names: string[]) => (names.length === 1 ? names[0]! : 'your service providers');

export function renderLoginLink(d: LoginLinkData): RenderedMessage {
  const forStaff = !!d.console;
  const place = d.console === 'support' ? 'the support console' : 'the shop console';
  const shop = d.console === 'support' ? 'Servicio support' : forStaff ? `${who(d.shopNames).replace('your service providers', 'your shops')} — shop console` : who(d.shopNames);
  const subject = `Your sign-in link for ${shop}`;
  const also =
    d.shopNames.length > 1 ? (forStaff ? `You work with ${d.shopNames.join(' and ')}; you'll choose which shop's console to open.` : `You're a client of ${d.shopNames.join(' and ')}; you'll choose which portal to open.`) : '';
  const text = [
    `Sign in to ${shop}`,
    '',
    forStaff ? `Tap this link to open ${place}:` : `Tap this link to open your portal:`,
    d.link,
    '',
    `Or type this code on the sign-in page: ${d.code}`,
    '',
    ...(also ? [also, ''] : []),
    `The link and code work once and expire in ${d.minutes} minutes.`,
    `If you didn't ask to sign in, you can ignore this email — nobody can get in without it.`,
  ].join('\n');

  const body = brandedEmail(
    { shopName: shop, brandColor: d.brandColor, logoUrl: null },
    {
      title: subject,
      preheader: `Your sign-in code is ${d.code}. The link works once, for ${d.minutes} minutes.`,
      body: html`<p style="margin:0 0 20px;">${forStaff ? `Tap the button to sign in to ${place}.` : 'Tap the button to sign in to your client portal.'}</p>`,
      button: { label: forStaff ? 'Sign in to the console' : 'Sign in to my portal', href: d.link },
      after: html`<p style="margin:24px 0 8px;">Or type this code on the sign-in page:</p>
<p style="margin:0 0 24px;font-family:'Courier New',monospace;font-size:30px;letter-spacing:6px;font-weight:bold;color:#111827;">${d.code}</p>
${also ? html`<p style="margin:0 0 16px;">${also}</p>` : ''}`,
      footer: `The link and code work once and expire in ${d.minutes} minutes. If you didn't ask to sign in, ignore this email — nobody can get in without it.`,
    },
  );

  const smsName = smsSafeName(shop, 30);
  const sms = `${smsName}: tap to sign in ${d.link} or enter code ${d.code}. Expires in ${d.minutes} min.`;
  return { subject, text, html: body, sms };
}
