import { html, type SafeHtml } from '../../lib/html.ts';
import { LOCALE_NAMES, LOCALES, phoneForPeople, type Locale } from '../../lib/i18n.ts';
import type { PageTr } from '../../http/i18n.ts';
import { csrfField, layout } from '../../http/views/layout.ts';
import type { PortalSession, ShopContact } from '../sessions/sessions.service.ts';
import type { InvoiceRow } from '../invoices/invoices.repo.ts';
import type { ReportRow } from '../reports/reports.repo.ts';
import { parseLineItems } from '../invoices/invoices.service.ts';

type Shop = { name: string; slug: string; brandColor: string; logoUrl: string | null; contact?: ShopContact };

/** How to reach the shop — on every portal page, and on invoices and receipts. */
function shopContact(tr: PageTr, shop: Shop, stacked = false): SafeHtml {
  const c = shop.contact;
  if (!c || (!c.phone && !c.email && !c.address)) return html``;
  const between = stacked ? html`<br>` : html`<span aria-hidden="true"> · </span>`;
  return html`<p class="contact">${c.phone ? html`<a href="tel:${c.phone}">${phoneForPeople(c.phone)}</a>` : ''}${c.phone && c.email ? between : ''}${c.email ? html`<a href="mailto:${c.email}">${c.email}</a>` : ''}</p>
${c.address ? html`<address>${c.address.split('\n').map((line, i) => html`${i ? html`<br>` : ''}${line}`)}</address>` : ''}`;
}

function shopFooter(tr: PageTr, shop: Shop): SafeHtml {
  const c = shop.contact;
  const any = !!c && (!!c.phone || !!c.email || !!c.address);
  return html`<footer class="shopinfo">
${any ? html`<p><strong>${tr.t('portal:footer.contact', { shop: shop.name })}</strong></p>${shopContact(tr, shop)}` : ''}
<p class="meta"><a href="/c/${shop.slug}">${tr.t('portal:footer.signInAt')}</a> · ${tr.t('portal:footer.powered')}</p>
</footer>`;
}

const TABS = [
  ['/portal', 'home'],
  ['/portal/invoices', 'invoices'],
  ['/portal/reports', 'reports'],
  ['/portal/profile', 'profile'],
] as const;

/** Which tab a page belongs to: the longest tab address that starts it. */
const currentTab = (here: string) => [...TABS].reverse().find(([href]) => here === href || here.startsWith(`${href}/`))?.[0];

/** One tap to a real sign-in: a login link to the client's own contact on file. */
const seeAllForm = (tr: PageTr, csrf: string) =>
  html`<form method="post" action="/portal/send-link">${csrfField(csrf)}<button type="submit">${tr.t('portal:limited.button')}</button></form>`;

const signOutForm = (tr: PageTr, csrf: string) =>
  html`<form method="post" action="/logout" class="signout">${csrfField(csrf)}<button type="submit" class="link">${tr.t('portal:nav.signOut')}</button></form>`;

function page(tr: PageTr, s: PortalSession, title: string, body: SafeHtml, csrf: string): string {
  const tab = currentTab(tr.here);
  const nav = s.scope
    ? html`<div class="alert info" role="note">${tr.h('portal:linkSession', { context: s.scope.kind })}</div>`
    : html`<nav class="tabs" aria-label="${tr.t('portal:nav.label')}">
${TABS.map(([href, key]) => html`<a href="${href}"${href === tab ? html` aria-current="page"` : ''}>${tr.t(`portal:nav.${key}`)}</a>`)}
</nav>${s.kind === 'recovery' ? html`<div class="alert info" role="note">${tr.h('portal:recoveryBanner')}</div>` : ''}`;
  return layout({ tr, title, brand: s.tenant, headerEnd: signOutForm(tr, csrf), footer: shopFooter(tr, s.tenant), body: html`${nav}\n${body}` });
}

const STATUS_NOTE = { paid: 'portal:row.paid', paying: 'portal:row.paying', void: 'portal:row.void', draft: 'portal:row.void' } as const;

const invoiceRow = (tr: PageTr) => (i: InvoiceRow) =>
  html`<li><a class="row" href="/portal/invoices/${i.id}"><span><strong>${tr.t('portal:row.invoice', { number: i.number })}</strong><small>${i.status === 'sent' ? tr.t('portal:row.due', { date: tr.date(i.due_date) }) : tr.t(STATUS_NOTE[i.status])}</small></span>
<span class="amount"><span class="num">${tr.money(i.total_cents, i.currency)}</span><span class="tag ${i.status}">${tr.t(`portal:status.${i.status}`)}</span></span></a></li>`;

const reportRow = (tr: PageTr) => (r: ReportRow) =>
  html`<li><a class="row" href="/portal/reports/${r.id}"><span><strong>${r.title}</strong><small>${tr.t('portal:report.by', { date: tr.date(r.service_date), technician: r.technician })}</small></span><span aria-hidden="true">›</span></a></li>`;

/** Open invoices first (soonest due first), then the rest, newest first. */
export function sortInvoices(list: InvoiceRow[]): InvoiceRow[] {
  const open = list.filter((i) => i.status === 'sent').sort((a, b) => a.due_date.localeCompare(b.due_date));
  const closed = list.filter((i) => i.status !== 'sent').sort((a, b) => b.issue_date.localeCompare(a.issue_date));
  return [...open, ...closed];
}

/** "You owe $X": the open total (per currency) and one tap to pay the invoice due soonest. */
function owed(tr: PageTr, shop: string, open: InvoiceRow[], csrf: string): SafeHtml {
  if (!open.length) return html`<div class="owe paid"><p>${tr.t('portal:home.allPaid')}</p></div><p class="meta">${tr.t('portal:home.noOpen', { shop })}</p>`;
  const next = open[0]!;
  const totals = new Map<string, number>();
  for (const i of open) totals.set(i.currency, (totals.get(i.currency) ?? 0) + i.total_cents);
  return html`<div class="owe" role="region" aria-labelledby="owe-h">
<h2 id="owe-h">${tr.t('portal:home.owe')}</h2>
<p class="total num">${[...totals].map(([cur, cents]) => tr.money(cents, cur)).join(' + ')}</p>
<p class="meta">${tr.t('portal:home.oweAcross', { count: open.length })} · ${tr.t('portal:home.nextDue', { number: next.number, date: tr.date(next.due_date) })}</p>
<form method="post" action="/portal/invoices/${next.id}/pay">${csrfField(csrf)}<button type="submit">${tr.t('portal:home.payNext', { amount: tr.money(next.total_cents, next.currency) })}</button></form>
</div>`;
}

export function portalHome(p: { tr: PageTr; session: PortalSession; csrf: string; invoices: InvoiceRow[]; reports: ReportRow[] }): string {
  const { tr, session: s } = p;
  const first = s.clientName.split(/\s+/)[0] ?? s.clientName;
  const open = sortInvoices(p.invoices.filter((i) => i.status === 'sent'));
  return page(
    tr,
    s,
    tr.t('portal:home.title'),
    html`<div class="card">
<h1>${tr.t('portal:home.hi', { name: first })}</h1>
<p class="lead">${tr.h('portal:home.lead', { shop: s.tenant.name, name: s.clientName })}</p>
${owed(tr, s.tenant.name, open, p.csrf)}
${open.length ? html`<h2>${tr.t('portal:home.invoices')}</h2><ul class="list">${open.map(invoiceRow(tr))}</ul>` : ''}
${p.invoices.length > open.length ? html`<p class="meta"><a href="/portal/invoices">${tr.t('portal:home.allInvoices')}</a></p>` : ''}
<h2>${tr.t('portal:home.reports')}</h2>
${p.reports.length ? html`<ul class="list">${p.reports.slice(0, 3).map(reportRow(tr))}</ul>${p.reports.length > 3 ? html`<p class="meta"><a href="/portal/reports">${tr.t('portal:home.allReports')}</a></p>` : ''}` : html`<p class="meta">${tr.t('portal:home.noReports')}</p>`}
</div>`,
    p.csrf,
  );
}

export function invoicesPage(p: { tr: PageTr; session: PortalSession; csrf: string; invoices: InvoiceRow[] }): string {
  const { tr } = p;
  return page(
    tr,
    p.session,
    tr.t('portal:invoices.title'),
    html`<div class="card"><h1>${tr.t('portal:invoices.title')}</h1>
${p.invoices.length ? html`<ul class="list">${sortInvoices(p.invoices).map(invoiceRow(tr))}</ul>` : html`<p class="meta">${tr.t('portal:invoices.none')}</p>`}</div>`,
    p.csrf,
  );
}

export function invoicePage(p: { tr: PageTr; session: PortalSession; csrf: string; invoice: InvoiceRow; payment?: { provider_ref: string; created_at: number } | undefined; notice?: string; error?: string }): string {
  const { tr } = p;
  const i = p.invoice;
  const items = parseLineItems(i);
  const m = (cents: number) => tr.money(cents, i.currency);
  const shop = p.session.tenant;
  return page(
    tr,
    p.session,
    tr.t('portal:invoice.title', { number: i.number }),
    html`<div class="card">
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<h1>${tr.t('portal:invoice.title', { number: i.number })} <span class="tag ${i.status}">${tr.t(`portal:status.${i.status}`)}</span></h1>
<p class="meta">${tr.t('portal:invoice.issued', { date: tr.date(i.issue_date) })}${i.status === 'sent' ? html` · ${tr.h('portal:invoice.due', { date: tr.date(i.due_date) })}` : ''}</p>
<div class="parties"><div><h2 class="small">${tr.t('portal:invoice.from')}</h2><p><strong>${shop.name}</strong></p>${shopContact(tr, shop, true)}</div>
<div><h2 class="small">${tr.t('portal:invoice.billTo')}</h2><p>${p.session.clientName}</p></div></div>
<table class="list lines"><thead><tr><th scope="col">${tr.t('portal:invoice.item')}</th><th scope="col" class="num">${tr.t('portal:invoice.amount')}</th></tr></thead><tbody>
${items.map((l) => html`<tr><td>${l.description}${l.quantity !== 1 ? html`<small>${tr.t('portal:invoice.qty', { quantity: l.quantity, price: m(l.unitCents) })}</small>` : ''}</td><td class="num">${m(l.amountCents)}</td></tr>`)}
</tbody><tfoot><tr><th scope="row">${tr.t('portal:invoice.total')}</th><td class="num"><strong>${m(i.total_cents)}</strong></td></tr></tfoot></table>
${
  i.status === 'sent'
    ? html`<form method="post" action="/portal/invoices/${i.id}/pay">${csrfField(p.csrf)}<button type="submit">${tr.t('portal:invoice.pay', { amount: m(i.total_cents) })}</button></form>`
    : i.status === 'paid'
      ? html`<div class="receipt"><h2>${tr.t('portal:invoice.receipt')}</h2><p>${tr.t('portal:invoice.paidOn', { amount: m(i.total_cents), date: tr.dateOf(i.paid_at ?? 0) })}</p>${p.payment ? html`<p class="meta">${tr.t('portal:invoice.reference', { ref: p.payment.provider_ref })}</p>` : html`<p class="meta">${tr.t('portal:invoice.paidDirect', { shop: shop.name })}</p>`}</div>`
      : i.status === 'paying'
        ? html`<p class="meta">${tr.t('portal:invoice.processing')}</p>`
        : html`<p class="meta">${tr.t('portal:invoice.cancelled', { shop: shop.name })}</p>`
}
</div>`,
    p.csrf,
  );
}

export function reportsPage(p: { tr: PageTr; session: PortalSession; csrf: string; reports: ReportRow[] }): string {
  const { tr } = p;
  return page(
    tr,
    p.session,
    tr.t('portal:reports.title'),
    html`<div class="card"><h1>${tr.t('portal:reports.title')}</h1>${p.reports.length ? html`<ul class="list">${p.reports.map(reportRow(tr))}</ul>` : html`<p class="meta">${tr.t('portal:reports.none')}</p>`}</div>`,
    p.csrf,
  );
}

export function reportPage(p: { tr: PageTr; session: PortalSession; csrf: string; report: ReportRow }): string {
  const { tr } = p;
  const r = p.report;
  const checklist = JSON.parse(r.checklist) as { item: string; done: boolean }[];
  const photos = JSON.parse(r.photos) as string[];
  return page(
    tr,
    p.session,
    r.title,
    html`<div class="card">
<h1>${r.title}</h1>
<p class="meta">${tr.t('portal:report.by', { date: tr.date(r.service_date), technician: r.technician })}</p>
${r.notes ? html`<p class="notes">${r.notes}</p>` : ''}
${checklist.length ? html`<h2>${tr.t('portal:report.checklist')}</h2><ul class="checklist">${checklist.map((c) => html`<li class="${c.done ? 'done' : 'todo'}">${c.item}<span class="sr-only"> ${tr.t(c.done ? 'portal:report.done' : 'portal:report.notDone')}</span></li>`)}</ul>` : ''}
${photos.length ? html`<h2>${tr.t('portal:report.photos')}</h2><div class="photos">${photos.map((u) => html`<a href="${u}"><img src="${u}" alt="${tr.t('portal:report.photoAlt')}" loading="lazy"></a>`)}</div>` : ''}
</div>`,
    p.csrf,
  );
}

export interface ProfileData {
  tr: PageTr;
  session: PortalSession;
  csrf: string;
  email: string | null;
  phone: string | null;
  /** The client's preferred language, when they said. */
  locale: string | null;
  error?: string;
  notice?: string;
  values?: { email: string; phone: string };
  /** A recovery session: the code sent to a new email or phone, when one is awaited. */
  proof?: { kind: 'email' | 'phone'; masked: string } | null;
}

function languageForm(tr: PageTr, csrf: string, current: string | null): SafeHtml {
  const chosen = (LOCALES as readonly string[]).includes(current ?? '') ? (current as Locale) : tr.locale;
  return html`<h2>${tr.t('portal:profile.languageH')}</h2>
<form method="post" action="/portal/profile/language" class="inline">${csrfField(csrf)}
<label for="locale">${tr.t('portal:profile.language')}<span class="hint">${tr.t('portal:profile.languageHint')}</span></label>
<select id="locale" name="locale">${LOCALES.map((l) => html`<option value="${l}" lang="${l}"${l === chosen ? html` selected` : ''}>${LOCALE_NAMES[l]}</option>`)}</select>
<button type="submit" class="secondary">${tr.t('portal:profile.saveLanguage')}</button></form>`;
}

export function profilePage(p: ProfileData): string {
  const { tr } = p;
  const v = p.values ?? { email: p.email ?? '', phone: p.phone ? phoneForPeople(p.phone) : '' };
  const recovery = p.session.kind === 'recovery';
  const none = html`<span class="meta">${tr.t('portal:profile.none')}</span>`;
  const details = recovery
    ? html`<p class="lead">${tr.t('portal:profile.recoveryLead')}</p>
<dl class="details"><dt>${tr.t('portal:profile.email')}</dt><dd>${p.email ?? none}</dd><dt>${tr.t('portal:profile.phone')}</dt><dd>${p.phone ? phoneForPeople(p.phone) : none}</dd></dl>
${
  p.proof
    ? html`<form method="post" action="/portal/profile/confirm" novalidate>${csrfField(p.csrf)}
<label for="code">${tr.t('portal:profile.codeSentTo', { masked: p.proof.masked })}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" class="code" required${p.error ? html` aria-invalid="true" autofocus` : ''}>
<button type="submit">${tr.t('portal:profile.confirm', { context: p.proof.kind })}</button></form>`
    : ''
}
<form method="post" action="/portal/profile/prove" novalidate>${csrfField(p.csrf)}<input type="hidden" name="kind" value="email">
<label for="new-email">${tr.t('portal:profile.newEmail')}</label><input id="new-email" name="value" type="email" autocomplete="email" value="${p.values?.email ?? ''}">
<button type="submit" class="secondary">${tr.t('portal:profile.sendEmailCode')}</button></form>
<form method="post" action="/portal/profile/prove" novalidate>${csrfField(p.csrf)}<input type="hidden" name="kind" value="phone">
<label for="new-phone">${tr.t('portal:profile.newPhone')}</label><input id="new-phone" name="value" type="tel" autocomplete="tel" value="${p.values?.phone ?? ''}">
<button type="submit" class="secondary">${tr.t('portal:profile.sendPhoneCode')}</button></form>`
    : html`<form method="post" action="/portal/profile" novalidate>${csrfField(p.csrf)}
<label for="email">${tr.t('portal:profile.email')}</label><input id="email" name="email" type="email" autocomplete="email" value="${v.email}">
<label for="phone">${tr.t('portal:profile.phone')}</label><input id="phone" name="phone" type="tel" autocomplete="tel" value="${v.phone}">
<button type="submit">${tr.t('portal:profile.save')}</button></form>`;
  return page(
    tr,
    p.session,
    tr.t('portal:profile.title'),
    html`<div class="card">
<h1>${tr.t('portal:profile.h1')}</h1>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
${details}
${languageForm(tr, p.csrf, p.locale)}
<h2>${tr.t('portal:profile.devices')}</h2>
<p class="meta">${tr.t('portal:profile.devicesLead', { shop: p.session.tenant.name })}</p>
<form method="post" action="/logout">${csrfField(p.csrf)}<input type="hidden" name="everywhere" value="1"><button type="submit" class="secondary">${tr.t('portal:profile.signOutEverywhere')}</button></form>
</div>`,
    p.csrf,
  );
}

export function linkClosedPage(tr: PageTr, shop: { name: string; brandColor: string; logoUrl: string | null; slug?: string }, reason: 'paid' | 'void'): string {
  return layout({
    tr,
    title: tr.t(`portal:closed.${reason}Title`),
    brand: shop,
    body: html`<div class="card"><h1>${tr.t(`portal:closed.${reason}H1`)}</h1>
<p>${tr.t(`portal:closed.${reason}Body`, { shop: shop.name })}</p>
<a class="button" href="${shop.slug ? `/c/${shop.slug}` : '/client-login'}">${tr.t('portal:closed.signIn')}</a></div>`,
  });
}

export function signedLinkInvalidPage(tr: PageTr, shop?: { name: string; brandColor: string; logoUrl: string | null; slug: string } | null): string {
  return layout({
    tr,
    title: tr.t('portal:signedInvalid.title'),
    ...(shop ? { brand: shop } : {}),
    body: html`<div class="card"><h1>${tr.t('portal:signedInvalid.h1')}</h1>
<p>${tr.t('portal:signedInvalid.body')}</p>
<a class="button" href="${shop ? `/c/${shop.slug}` : '/client-login'}">${tr.t('portal:signedInvalid.signIn')}</a></div>`,
  });
}

/**
 * What a session from an email link sees anywhere but its own invoice or report: the email proves
 * less than a fresh sign-in (a mail scanner may have opened it), so one tap sends a real link.
 */
export function limitedPage(p: { tr: PageTr; session: PortalSession; csrf: string }): string {
  const { tr } = p;
  const s = p.session;
  const own = s.scope && s.scope.id ? (s.scope.kind === 'invoice' ? `/portal/invoices/${s.scope.id}` : `/portal/reports/${s.scope.id}`) : null;
  return layout({
    tr,
    title: tr.t('portal:limited.title'),
    brand: s.tenant,
    body: html`<div class="card">
<h1>${tr.t('portal:limited.h1')}</h1>
<p class="lead">${tr.t('portal:limited.lead', { context: s.scope?.kind ?? 'page', shop: s.tenant.name })}</p>
${seeAllForm(tr, p.csrf)}
<p class="meta">${tr.t('portal:limited.where', { shop: s.tenant.name })}</p>
${own ? html`<p class="meta"><a href="${own}">${tr.t('portal:limited.back', { context: s.scope!.kind })}</a></p>` : ''}
</div>`,
  });
}

/** A signed link for someone else, opened in a browser that is signed in: ask before switching. */
export function switchAccountPage(p: { tr: PageTr; current: PortalSession; link: { clientName: string; shop: { name: string; brandColor: string; logoUrl: string | null } }; token: string; csrf: string; error?: string }): string {
  const { tr } = p;
  return layout({
    tr,
    title: tr.t('portal:switch.title'),
    brand: p.link.shop,
    body: html`<div class="card">
<h1>${tr.t('portal:switch.title')}</h1>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<p class="lead">${tr.t('portal:switch.lead', { current: p.current.clientName, currentShop: p.current.tenant.name })}</p>
<form method="post" action="/s/${p.token}">${csrfField(p.csrf)}<button type="submit">${tr.t('portal:switch.continue', { name: p.link.clientName, shop: p.link.shop.name })}</button></form>
<p class="meta spaced"><a href="/portal">${tr.t('portal:switch.stay', { current: p.current.clientName })}</a></p>
</div>`,
  });
}
