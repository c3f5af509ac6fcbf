// Sent (at most daily) when someone asks for a link with an email no shop has on file, so a
// homeowner whose shop has a wrong address learns why nothing arrives. Email only, never SMS.
import { DEFAULT_BRAND_COLOR } from '../../../lib/color.ts';
import { html } from '../../../lib/html.ts';
import { brandedEmail } from './branded-layout.ts';
import { trFor, type Localized } from './language.ts';
import type { RenderedMessage } from './login-link.ts';

export interface UnknownEmailData extends Localized {
  loginUrl: string;
}

export function renderUnknownEmail(d: UnknownEmailData): RenderedMessage {
  const tr = trFor(d.locale);
  const u = (key: string) => tr.t(`email:unknownEmail.${key}`);
  const subject = u('subject');
  const text = [u('asked'), '', u('noShop'), u('askShop'), d.loginUrl, '', u('ignore')].join('\n');
  const body = brandedEmail(
    { shopName: u('brand'), brandColor: DEFAULT_BRAND_COLOR, logoUrl: null },
    {
      lang: tr.locale,
      title: subject,
      preheader: u('preheader'),
      body: html`<p style="margin:0 0 16px;">${u('askedNoShop')}</p>
<p style="margin:0 0 20px;">${u('askShopShort')}</p>`,
      button: { label: u('button'), href: d.loginUrl },
      footer: u('footer'),
    },
  );
  return { subject, text, html: body, sms: '' };
}
