// Messages of a support recovery: the link itself (when the agent sends it to a contact on file)
// and the notice every contact on file gets, in the shop's branding.
import { html } from '../../../lib/html.ts';
import { brandedEmail, type Brand } from './branded-layout.ts';
import type { RenderedMessage } from './login-link.ts';
import { smsSafeName } from './sms.ts';

export interface RecoveryLinkData extends Brand {
  link: string;
  minutes: number;
}

export function renderRecoveryLink(d: RecoveryLinkData): RenderedMessage {
  const subject = `Your recovery link for ${d.shopName}`;
  const text = [
    `Servicio support made you a one-time link to sign in to your ${d.shopName} portal:`,
    d.link,
    '',
    `It works once, for ${d.minutes} minutes. Inside, you can update your email or mobile number so normal sign-in links reach you again.`,
    `If you didn't contact support, don't open it — tell ${d.shopName}.`,
  ].join('\n');
  const body = brandedEmail(d, {
    title: subject,
    preheader: `A one-time sign-in link from Servicio support, valid ${d.minutes} minutes.`,
    body: html`<p style="margin:0 0 16px;">Servicio support made you a one-time link to sign in to your ${d.shopName} portal.</p>
<p style="margin:0 0 20px;">Inside, you can update your email or mobile number so normal sign-in links reach you again.</p>`,
    button: { label: 'Open my portal', href: d.link },
    footer: `The link works once, for ${d.minutes} minutes. If you didn't contact support, don't open it — tell ${d.shopName}.`,
  });
  const sms = `${smsSafeName(d.shopName, 30)}: your one-time recovery link from Servicio support ${d.link} (works once, ${d.minutes} min).`;
  return { subject, text, html: body, sms };
}

export interface RecoveryNoticeData extends Brand {
  /** "3:42 PM UTC on Nov 25" */
  when: string;
  /** How to reach the shop: an owner's email, or null. */
  shopContact: string | null;
  portalUrl: string;
}

export function renderRecoveryNotice(d: RecoveryNoticeData): RenderedMessage {
  const reach = d.shopContact ? `contact ${d.shopName} at ${d.shopContact}` : `contact ${d.shopName} directly`;
  const line = `Servicio support issued a sign-in link for your ${d.shopName} portal at ${d.when}. If this wasn't you, ${reach}.`;
  const subject = `Servicio support issued a sign-in link for your ${d.shopName} portal`;
  const body = brandedEmail(d, {
    title: subject,
    preheader: line,
    body: html`<p style="margin:0 0 16px;">${line}</p>
<p style="margin:0 0 20px;">The link works once, for a short time. Whoever opens it can see and pay your invoices, but cannot change your email or mobile number without a code sent to the new one.</p>`,
    button: { label: 'Open my portal', href: d.portalUrl },
    footer: 'We send this notice to every email and phone number on file whenever support issues a recovery link.',
  });
  const sms = `Servicio support issued a sign-in link for your ${smsSafeName(d.shopName, 30)} portal at ${d.when}. If this wasn't you, ${d.shopContact ? `contact ${smsSafeName(d.shopName, 30)} at ${d.shopContact}` : `contact ${smsSafeName(d.shopName, 30)}`}.`;
  return { subject, text: `${line}\n\nWhoever opens the link can see and pay your invoices, but cannot change your email or mobile number without a code sent to the new one.`, html: body, sms };
}

export interface ContactCodeData extends Brand {
  code: string;
  minutes: number;
  kind: 'email' | 'phone';
  portalUrl: string;
}

/** The code that proves a new email or phone, sent to that new contact. */
export function renderContactCode(d: ContactCodeData): RenderedMessage {
  const what = d.kind === 'email' ? 'email address' : 'mobile number';
  const subject = `Your code to confirm this ${what}: ${d.code}`;
  const text = [`Type this code in your ${d.shopName} portal to use this ${what} from now on: ${d.code}`, '', `It works for ${d.minutes} minutes. If you didn't ask for it, ignore this message.`].join('\n');
  const body = brandedEmail(d, {
    title: subject,
    preheader: `Your code is ${d.code}.`,
    body: html`<p style="margin:0 0 16px;">Type this code in your ${d.shopName} portal to use this ${what} from now on:</p>
<p style="margin:0 0 24px;font-family:'Courier New',monospace;font-size:30px;letter-spacing:6px;font-weight:bold;color:#111827;">${d.code}</p>`,
    button: { label: 'Open my portal', href: d.portalUrl },
    footer: `The code works for ${d.minutes} minutes. If you didn't ask for it, ignore this email.`,
  });
  return { subject, text, html: body, sms: `${smsSafeName(d.shopName, 30)}: your code to confirm this number is ${d.code}. It works for ${d.minutes} min.` };
}

export interface ContactChangedData extends Brand {
  kind: 'email' | 'phone';
  /** The new contact, masked. */
  newMasked: string;
  shopContact: string | null;
  portalUrl: string;
}

/** Sent to the old email or phone after a recovery session replaced it. */
export function renderContactChanged(d: ContactChangedData): RenderedMessage {
  const what = d.kind === 'email' ? 'email address' : 'mobile number';
  const reach = d.shopContact ? `contact ${d.shopName} at ${d.shopContact}` : `contact ${d.shopName} directly`;
  const line = `The ${what} for your ${d.shopName} portal was changed to ${d.newMasked}, after a sign-in with a link from Servicio support. If this wasn't you, ${reach}.`;
  const subject = `Your ${what} for ${d.shopName} was changed`;
  const body = brandedEmail(d, {
    title: subject,
    preheader: line,
    body: html`<p style="margin:0 0 20px;">${line}</p>`,
    button: { label: 'Sign in to my portal', href: d.portalUrl },
    footer: 'We tell the old address or number whenever it is replaced.',
  });
  return { subject, text: line, html: body, sms: `${smsSafeName(d.shopName, 30)}: the ${what} for your portal was changed to ${d.newMasked}. If this wasn't you, ${d.shopContact ? `contact ${d.shopContact}` : 'contact the shop'}.` };
}
