// The login message: one per channel. Email gets a subject, an HTML body built for mail clients
// (tables, inline styles) and a plain-text body; SMS gets one short GSM-7 text.
import { html } from '../../../lib/html.ts';
import type { Tr } from '../../../lib/i18n.ts';
import { brandedEmail } from './branded-layout.ts';
import { trFor, type Localized } from './language.ts';
import { smsSafeName, smsSegments, toGsm7 } from './sms.ts';

export interface LoginLinkData extends Localized {
  /** One shop's name, or several when the email/phone is a client at more than one shop. */
  shopNames: string[];
  brandColor: string;
  link: string;
  code: string;
  minutes: number;
  /** Someone signing in to a console — a shop's staff (`shop`) or Servicio support — not a client. */
  console?: 'shop' | 'support';
  /** The one shop's own sign-in page, when the message is for one shop's client. */
  signInUrl?: string | null;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

/**
 * The text: the shops by name ("Greenway Lawn Care and BlueWave Pool Service: tap to sign in…"),
 * never "your service providers", which reads like phishing. Names are shortened until the text
 * fits two segments; past that, the first name and how many more.
 */
function loginSms(tr: Tr, names: string[], d: LoginLinkData): string {
  const text = (shops: string) => toGsm7(tr.t('email:loginLink.sms', { shops, link: d.link, code: d.code, minutes: d.minutes }));
  let sms = '';
  for (const max of [30, 24, 18, 12]) {
    sms = text(tr.list(names.map((n) => smsSafeName(n, max))));
    if (smsSegments(sms) <= 2) return sms;
  }
  if (names.length > 1) sms = text(tr.t('email:loginLink.smsMore', { first: smsSafeName(names[0]!, 18), count: names.length - 1 }));
  return sms;
}

export function renderLoginLink(d: LoginLinkData): RenderedMessage {
  const tr = trFor(d.locale);
  const c = (key: string, vars?: Record<string, unknown>) => tr.t(`email:loginLink.console.${key}`, vars);
  const l = (key: string, vars?: Record<string, unknown>) => tr.t(`email:loginLink.${key}`, vars);
  const names = d.shopNames.length ? d.shopNames : [tr.t('email:unknownEmail.brand')];
  const shops = tr.list(names);
  const shop = d.console === 'support' ? c('supportName') : d.console ? c('shopTitle', { shops }) : shops;
  const subject = l('subject', { shops: shop });
  const also = names.length > 1 && d.console !== 'support' ? (d.console ? c('severalShops', { shops }) : l('severalShops', { shops })) : '';
  const expiry = { count: d.minutes };
  const text = [
    l('heading', { shops: shop }),
    '',
    d.console ? c('tapLink', { context: d.console }) : l('tapLink'),
    d.link,
    '',
    l('orCode', { code: d.code }),
    '',
    ...(also ? [also, ''] : []),
    l('expires', expiry),
    l('ignore'),
  ].join('\n');

  const body = brandedEmail(
    { shopName: shop, brandColor: d.brandColor, logoUrl: null, signInUrl: d.signInUrl ?? null },
    {
      lang: tr.locale,
      title: subject,
      preheader: l('preheader', { code: d.code, ...expiry }),
      body: html`<p style="margin:0 0 20px;">${d.console ? c('tapButton', { context: d.console }) : l('tapButton')}</p>`,
      button: { label: d.console ? c('button') : l('button'), href: d.link },
      after: html`<p style="margin:24px 0 8px;">${l('orCodeLabel')}</p>
<p style="margin:0 0 24px;font-family:'Courier New',monospace;font-size:30px;letter-spacing:6px;font-weight:bold;color:#111827;">${d.code}</p>
${also ? html`<p style="margin:0 0 16px;">${also}</p>` : ''}`,
      footer: l('footer', expiry),
    },
  );

  const sms = loginSms(tr, d.console === 'support' ? [c('supportName')] : names, d);
  return { subject, text, html: body, sms };
}
