// The shared frame of a shop's automated emails: table layout and inline styles, because that is
// what Gmail, Outlook and Apple Mail all render the same way.
import { safeColor } from '../../../lib/color.ts';
import { html, type SafeHtml } from '../../../lib/html.ts';
import { trFor } from './language.ts';

export interface Brand {
  shopName: string;
  brandColor: string;
  logoUrl: string | null;
  /** The shop's own sign-in page (/c/<slug>), linked at the foot of its emails. */
  signInUrl?: string | null;
}

/**
 * The one frame of every email we send: the shop's (or Servicio's) header, a body, one button, a
 * footer and — on the emails about money — how to reach the shop. `lang` is the message's language.
 */
export function brandedEmail(b: Brand, p: { lang: string; title: string; preheader: string; body: SafeHtml; button: { label: string; href: string }; after?: SafeHtml; footer: string; contact?: SafeHtml | '' }): string {
  const color = safeColor(b.brandColor);
  const logo = b.logoUrl && b.logoUrl.startsWith('https://')
    ? html`<img src="${b.logoUrl}" width="40" height="40" alt="" style="display:block;border-radius:8px;border:0;">`
    : html`<div style="width:40px;height:40px;border-radius:8px;background:${color};color:#ffffff;font:bold 20px/40px Helvetica,Arial,sans-serif;text-align:center;">${(b.shopName.trim()[0] ?? '?').toUpperCase()}</div>`;
  return html`<!doctype html>
<html lang="${p.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${p.title}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<div style="display:none;max-height:0;overflow:hidden;">${p.preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:12px;border:1px solid #e5e7eb;">
<tr><td style="padding:18px 28px;border-bottom:4px solid ${color};">
<table role="presentation" cellpadding="0" cellspacing="0"><tr><td style="padding-right:12px;">${logo}</td>
<td style="font-family:Helvetica,Arial,sans-serif;font-size:18px;font-weight:bold;color:#111827;">${b.shopName}</td></tr></table>
</td></tr>
<tr><td style="padding:28px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;color:#374151;">
${p.body}
<table role="presentation" cellpadding="0" cellspacing="0" width="100%" style="margin-top:8px;"><tr><td align="center" style="border-radius:8px;background:${color};">
<a href="${p.button.href}" style="display:block;padding:14px 24px;font-family:Helvetica,Arial,sans-serif;font-size:17px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:8px;">${p.button.label}</a>
</td></tr></table>
${p.after ?? ''}
<p style="margin:20px 0 0;font-size:13px;line-height:19px;color:#6b7280;">${p.footer}</p>
${p.contact ?? ''}
${b.signInUrl ? html`<p style="margin:16px 0 0;font-size:13px;line-height:19px;color:#6b7280;">${trFor(p.lang).t('email:common.signInAt')} <a href="${b.signInUrl}" style="color:#374151;">${b.signInUrl.replace(/^https?:\/\//, '')}</a></p>` : ''}
</td></tr></table>
</td></tr></table>
</body></html>`.value;
}
