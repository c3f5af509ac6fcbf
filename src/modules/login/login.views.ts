import { html, type SafeHtml } from '../../lib/html.ts';
import { translator } from '../../lib/i18n.ts';
import type { PageTr } from '../../http/i18n.ts';
import { brandMark, csrfField, layout, themeClass, type Brand } from '../../http/views/layout.ts';
import { PATHS, type AudiencePaths } from './login.paths.ts';
import type { Audience } from './login.service.ts';

/** The console's own look before a shop is known. */
export const CONSOLE_BRAND: Brand = { name: 'Servicio shop console', brandColor: '#334155' };
/** Servicio support's own look (Servicio's staff, not any shop's). */
export const SUPPORT_BRAND: Brand = { name: 'Servicio support', brandColor: '#7c2d12' };

/** A shop a page is branded with, and its own sign-in address (/c/<slug>). */
export type ShopBrand = Brand & { slug: string };

/**
 * Homeowners read their language (with the switch); the staff and support consoles are English
 * only, so their sign-in pages are too.
 */
const wordsFor = (tr: PageTr, audience: Audience): PageTr => (audience === 'client' ? tr : { ...translator('en'), here: tr.here });
const shell = (tr: PageTr, audience: Audience, brand: Brand | undefined, title: string, body: SafeHtml) =>
  layout({ ...(audience === 'client' ? { tr } : {}), title, body, ...(brand ? { brand } : audience === 'staff' ? { brand: CONSOLE_BRAND } : audience === 'support' ? { brand: SUPPORT_BRAND } : {}) });

/** Where "sign in again" goes: the shop's own page for its clients, else the audience's form. */
const signInPath = (audience: Audience, shop: ShopBrand | undefined) => (shop && audience === 'client' ? `/c/${shop.slug}` : PATHS[audience].signIn);

const fieldError = (id: string, error?: string) => (error ? html`<p class="error" id="${id}-error" role="alert">${error}</p>` : '');

export function loginPage(p: { tr: PageTr; csrf: string; value?: string; error?: string; notice?: string; paths?: AudiencePaths; shop?: ShopBrand | null }): string {
  const invalid = !!p.error;
  const paths = p.paths ?? PATHS.client;
  const t = wordsFor(p.tr, paths.audience);
  const k = `login:signIn.${paths.audience}`;
  const shop = paths.audience === 'client' ? (p.shop ?? undefined) : undefined;
  return shell(
    p.tr,
    paths.audience,
    shop,
    t.t(`${k}.title`),
    html`<div class="card">
<h1>${shop ? t.t(`${k}.h1Shop`, { shop: shop.name }) : t.t(`${k}.h1`)}</h1>
<p class="lead">${t.t(`${k}.lead`)}</p>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
<form method="post" action="${shop ? `/c/${shop.slug}` : paths.signIn}" novalidate>
${csrfField(p.csrf)}
<label for="identifier">${t.t(`${k}.label`)}
<span class="hint" id="identifier-hint">${shop ? t.t(`${k}.hintShop`, { shop: shop.name }) : t.t(`${k}.hint`)}</span></label>
<input id="identifier" name="identifier" type="text" autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false"
 required maxlength="254" value="${p.value ?? ''}" aria-describedby="identifier-hint${invalid ? ' identifier-error' : ''}"${invalid ? html` aria-invalid="true" autofocus` : ''}>
${fieldError('identifier', p.error)}
<button type="submit">${t.t('login:signIn.submit')}</button>
</form>
</div>`,
  );
}

export interface CheckData {
  tr: PageTr;
  csrf: string;
  kind: 'email' | 'phone';
  channel: 'email' | 'sms';
  masked: string;
  minutes: number;
  offer: 'email' | 'sms';
  audience?: Audience;
  error?: string;
  notice?: string;
  locked?: boolean;
  /** The link and code ran out: one next step, a new link. */
  expired?: boolean;
  /** Seconds until "send again" may be used. */
  resendIn?: number;
  shop?: ShopBrand | null;
}

/** One button that asks for a new message for this browser's email or phone. */
const againForm = (t: PageTr, paths: AudiencePaths, csrf: string, label: string, wait: number, secondary = false) =>
  html`<form method="post" action="${paths.again}">${csrfField(csrf)}<button type="submit"${secondary ? html` class="secondary"` : ''}${wait > 0 ? html` data-wait="${wait}"` : ''}>${label}</button></form>
${wait > 0 ? html`<p class="meta" data-countdown="${wait}" data-one="${t.t('login:check.sendAgainWait_one', { count: '#' })}" data-other="${t.t('login:check.sendAgainWait_other', { count: '#' })}">${t.t('login:check.sendAgainWait', { count: wait })}</p>` : ''}`;

export function checkPage(p: CheckData): string {
  const audience = p.audience ?? 'client';
  const paths = PATHS[audience];
  const t = wordsFor(p.tr, audience);
  const shop = audience === 'client' ? (p.shop ?? undefined) : undefined;
  const byText = p.channel === 'sms';
  const where = byText ? 'phone' : 'email';
  const own = (p.kind === 'phone') === byText;
  const startAgain = html`<p class="meta spaced"><a href="${signInPath(audience, shop)}">${t.t(paths.otherChannel ? 'login:check.startAgain' : 'login:check.startAgainEmail')}</a></p>`;
  // A closed or expired sign-in: one clear state and one next step — a new link, one tap.
  if (p.locked || p.expired) {
    const h = p.locked ? 'locked' : 'expired';
    return shell(
      p.tr,
      audience,
      shop,
      t.t(`login:check.${h}H1`),
      html`<div class="card">
<h1>${t.t(`login:check.${h}H1`)}</h1>
<p class="lead" role="alert">${t.t(`login:check.${h}Lead`)}</p>
${p.notice ? html`<div class="alert info" role="status">${p.notice}</div>` : ''}
${againForm(t, paths, p.csrf, t.t('login:check.lockedNext'), p.resendIn ?? 0)}
${startAgain}
</div>`,
    );
  }
  // The same words for every identifier: nothing here says whether anything is on file.
  const lead = own
    ? t.h('login:check.leadOwn', { masked: p.masked, context: where })
    : t.h('login:check.leadOther', { masked: p.masked, context: where });
  return shell(
    p.tr,
    audience,
    shop,
    t.t('login:check.title', { context: where }),
    html`<div class="card">
<h1>${t.t('login:check.title', { context: where })}</h1>
<p class="lead" role="status">${lead}</p>
<p class="meta">${t.t('login:check.arrive', { count: p.minutes })}</p>
${p.notice ? html`<div class="alert info" role="alert">${p.notice}</div>` : ''}
<div class="divider">${t.t('login:check.orCode')}</div>
<form method="post" action="${paths.code}" novalidate>
${csrfField(p.csrf)}
<label for="code">${t.t('login:check.codeLabel')}</label>
<input id="code" name="code" class="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="9" required
 ${p.error ? html`aria-invalid="true" aria-describedby="code-error" autofocus` : ''}>
${fieldError('code', p.error)}
<button type="submit">${t.t('login:check.signIn')}</button>
</form>
<h2 class="small">${t.t('login:check.nothing')}</h2>
<p class="meta">${t.t('login:check.spam', { context: where })}</p>
${againForm(t, paths, p.csrf, t.t('login:check.sendAgain'), p.resendIn ?? 0, true)}
${
  paths.otherChannel
    ? html`<p class="meta spaced">${t.t('login:check.otherLead', { context: p.offer })}</p>
<form method="post" action="${paths.otherChannel}">
${csrfField(p.csrf)}
<button type="submit" class="secondary">${t.t('login:check.other', { context: p.offer })}</button>
</form>`
    : ''
}
${startAgain}
</div>`,
  );
}

/**
 * An expired, used or unknown link, in the shop's branding when we know whose it was. A link we
 * recognise offers one tap to a new one (`resend`); the page says nothing about where it goes.
 */
export function linkInvalidPage(p: { tr: PageTr; shop?: ShopBrand | null; resend?: { token: string; csrf: string } | null; spent?: boolean; audience?: Audience }): string {
  const audience = p.audience ?? 'client';
  const t = wordsFor(p.tr, audience);
  const shop = p.shop ?? undefined;
  const signIn = signInPath(audience, shop);
  return shell(
    p.tr,
    audience,
    shop,
    t.t('login:invalid.title'),
    html`<div class="card">
<h1>${t.t('login:invalid.h1')}</h1>
<p>${t.t('login:invalid.body')}</p>
${
  p.resend
    ? html`<p class="lead">${t.t('login:invalid.resendLead')}</p>
<form method="post" action="/l/${p.resend.token}/resend">${csrfField(p.resend.csrf)}<button type="submit">${t.t('login:invalid.resend')}</button></form>
<p class="meta spaced"><a href="${signIn}">${t.t('login:invalid.toSignIn')}</a></p>`
    : html`<p class="lead">${t.t(p.spent ? 'login:invalid.spentLead' : 'login:invalid.lead')}</p>
<a class="button" href="${signIn}">${t.t('login:invalid.toSignIn')}</a>`
}
</div>`,
  );
}

/** After "send me a new link" from a browser that did not ask for the old one: nothing revealed. */
export function linkResentPage(p: { tr: PageTr; shop?: ShopBrand | null; minutes: number; audience?: Audience }): string {
  const audience = p.audience ?? 'client';
  const t = wordsFor(p.tr, audience);
  const shop = p.shop ?? undefined;
  return shell(
    p.tr,
    audience,
    shop,
    t.t('login:resent.title'),
    html`<div class="card">
<h1>${t.t('login:resent.h1')}</h1>
<p class="lead" role="status">${t.t('login:resent.body', { count: p.minutes })}</p>
<p class="meta spaced"><a href="${signInPath(audience, shop)}">${t.t('login:resent.toSignIn')}</a></p>
</div>`,
  );
}

export function continuePage(p: { tr: PageTr; token: string; csrf: string; shops: Brand[]; error?: string; audience?: Audience }): string {
  const audience = p.audience ?? 'client';
  const t = wordsFor(p.tr, audience);
  const one = p.shops.length === 1 ? p.shops[0] : undefined;
  return shell(
    p.tr,
    audience,
    one,
    t.t('login:continue.title'),
    html`<div class="card">
<h1>${one ? t.t('login:continue.h1', { shop: one.name }) : t.t('login:continue.h1Many')}</h1>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
${
  one
    ? ''
    : html`<p>${t.h('login:continue.many', { shops: t.list(p.shops.map((s) => s.name)) })}</p>
<ul class="shops plain">${p.shops.map((s) => html`<li>${brandMark(s)}<span>${s.name}</span></li>`)}</ul>`
}
<p class="lead">${t.t('login:continue.lead')}</p>
<form method="post" action="/l/${p.token}">
${csrfField(p.csrf)}
<button type="submit">${t.t('login:continue.submit')}</button>
</form>
</div>`,
  );
}

export function pickPage(p: { tr: PageTr; csrf: string; shops: (Brand & { tenantId: string; clientName: string; role?: string | null })[]; error?: string; paths?: AudiencePaths }): string {
  const paths = p.paths ?? PATHS.client;
  const t = wordsFor(p.tr, paths.audience);
  const staff = paths.audience === 'staff';
  return layout({
    ...(paths.audience === 'client' ? { tr: p.tr } : {}),
    moreColors: p.shops.map((s) => s.brandColor),
    title: t.t('login:pick.title'),
    body: html`<div class="card">
<h1>${t.t(staff ? 'login:pick.h1Staff' : 'login:pick.h1')}</h1>
<p class="lead">${t.t(staff ? 'login:pick.leadStaff' : 'login:pick.lead')}</p>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<form method="post" action="${paths.pick}">
${csrfField(p.csrf)}
<ul class="shops">
${p.shops.map(
  (s) => html`<li><button type="submit" name="tenant" value="${s.tenantId}" class="${themeClass(s.brandColor)}">${brandMark(s)}<span>${s.name}<small>${t.t('login:pick.as', { name: s.clientName })}${s.role ? ` (${s.role})` : ''}</small></span></button></li>`,
)}
</ul>
</form>
</div>`,
  });
}
