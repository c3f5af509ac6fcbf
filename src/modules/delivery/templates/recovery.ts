// Messages of a support recovery: the link itself (when the agent sends it to a contact on file)
// and the notice every contact on file gets, in the shop's branding.
import { html } from '../../../lib/html.ts';
import type { Tr } from '../../../lib/i18n.ts';
import { brandedEmail, type Brand } from './branded-layout.ts';
import { timeAndDay, trFor, type Localized } from './language.ts';
import type { RenderedMessage } from './login-link.ts';
import { smsSafeName, toGsm7 } from './sms.ts';

export interface RecoveryLinkData extends Brand, Localized {
  link: string;
  minutes: number;
}

export function renderRecoveryLink(d: RecoveryLinkData): RenderedMessage {
  const tr = trFor(d.locale);
  const r = (key: string, vars?: Record<string, unknown>) => tr.t(`email:recoveryLink.${key}`, vars);
  const vars = { shop: d.shopName, count: d.minutes };
  const subject = r('subject', vars);
  const text = [r('introText', vars), d.link, '', `${r('works', vars)} ${r('update')}`, r('warn', vars)].join('\n');
  const body = brandedEmail(d, {
    lang: tr.locale,
    title: subject,
    preheader: r('preheader', vars),
    body: html`<p style="margin:0 0 16px;">${r('intro', vars)}</p>
<p style="margin:0 0 20px;">${r('update')}</p>`,
    button: { label: tr.t('email:common.openPortal'), href: d.link },
    footer: r('footer', vars),
  });
  const sms = toGsm7(r('sms', { shop: smsSafeName(d.shopName, 30), link: d.link, minutes: d.minutes }));
  return { subject, text, html: body, sms };
}

export interface RecoveryNoticeData extends Brand, Localized {
  /**
   * When the link was issued: the instant (epoch ms), written in the message's language. Messages
   * queued before languages carry it already written in English ("3:42 PM UTC on Nov 25").
   */
  when: number | string;
  /** How to reach the shop: an owner's email, or null. */
  shopContact: string | null;
  portalUrl: string;
}

/** "If this wasn't you, contact Greenway Lawn Care at owner@…" — or "directly" without a contact. */
const ifNotYou = (tr: Tr, shop: string, contact: string | null) => (contact ? tr.t('email:common.ifNotYouAt', { shop, contact }) : tr.t('email:common.ifNotYou', { shop }));

export function renderRecoveryNotice(d: RecoveryNoticeData): RenderedMessage {
  const tr = trFor(d.locale);
  const n = (key: string, vars?: Record<string, unknown>) => tr.t(`email:recoveryNotice.${key}`, vars);
  const when = typeof d.when === 'number' ? timeAndDay(tr, d.when) : d.when;
  const line = `${n('issued', { shop: d.shopName, when })} ${ifNotYou(tr, d.shopName, d.shopContact)}`;
  const subject = n('subject', { shop: d.shopName });
  const body = brandedEmail(d, {
    lang: tr.locale,
    title: subject,
    preheader: line,
    body: html`<p style="margin:0 0 16px;">${line}</p>
<p style="margin:0 0 20px;">${n('limits')}</p>`,
    button: { label: tr.t('email:common.openPortal'), href: d.portalUrl },
    footer: n('footer'),
  });
  const smsShop = smsSafeName(d.shopName, 30);
  const sms = toGsm7(`${n('issued', { shop: smsShop, when })} ${ifNotYou(tr, smsShop, d.shopContact)}`);
  return { subject, text: `${line}\n\n${n('limitsText')}`, html: body, sms };
}

export interface ContactCodeData extends Brand, Localized {
  code: string;
  minutes: number;
  kind: 'email' | 'phone';
  portalUrl: string;
}

/** The code that proves a new email or phone, sent to that new contact. */
export function renderContactCode(d: ContactCodeData): RenderedMessage {
  const tr = trFor(d.locale);
  const k = (key: string, vars?: Record<string, unknown>) => tr.t(`email:contactCode.${key}`, vars);
  const vars = { shop: d.shopName, code: d.code, count: d.minutes, context: d.kind };
  const subject = k('subject', vars);
  const text = [`${k('prompt', vars)} ${d.code}`, '', k('validText', vars)].join('\n');
  const body = brandedEmail(d, {
    lang: tr.locale,
    title: subject,
    preheader: k('preheader', vars),
    body: html`<p style="margin:0 0 16px;">${k('prompt', vars)}</p>
<p style="margin:0 0 24px;font-family:'Courier New',monospace;font-size:30px;letter-spacing:6px;font-weight:bold;color:#111827;">${d.code}</p>`,
    button: { label: tr.t('email:common.openPortal'), href: d.portalUrl },
    footer: k('footer', vars),
  });
  return { subject, text, html: body, sms: toGsm7(k('sms', { shop: smsSafeName(d.shopName, 30), code: d.code, minutes: d.minutes })) };
}

export interface ContactChangedData extends Brand, Localized {
  kind: 'email' | 'phone';
  /** The new contact, masked. */
  newMasked: string;
  shopContact: string | null;
  portalUrl: string;
}

/** Sent to the old email or phone after a recovery session replaced it. */
export function renderContactChanged(d: ContactChangedData): RenderedMessage {
  const tr = trFor(d.locale);
  const k = (key: string, vars?: Record<string, unknown>) => tr.t(`email:contactChanged.${key}`, vars);
  const line = `${k('changed', { shop: d.shopName, masked: d.newMasked, context: d.kind })} ${ifNotYou(tr, d.shopName, d.shopContact)}`;
  const subject = k('subject', { shop: d.shopName, context: d.kind });
  const body = brandedEmail(d, {
    lang: tr.locale,
    title: subject,
    preheader: line,
    body: html`<p style="margin:0 0 20px;">${line}</p>`,
    button: { label: tr.t('email:common.signInPortal'), href: d.portalUrl },
    footer: k('footer'),
  });
  const sms = `${k('sms', { shop: smsSafeName(d.shopName, 30), masked: d.newMasked, context: d.kind })} ${d.shopContact ? k('smsIfNotYouAt', { contact: d.shopContact }) : k('smsIfNotYou')}`;
  return { subject, text: line, html: body, sms: toGsm7(sms) };
}
