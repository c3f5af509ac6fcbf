import { html, type SafeHtml } from '../../lib/html.ts';
import { csrfField, layout } from '../../http/views/layout.ts';
import type { PortalSession } from '../sessions/sessions.service.ts';
import type { InvoiceRow } from '../invoices/invoices.repo.ts';
import type { ReportRow } from '../reports/reports.repo.ts';
import { parseLineItems } from '../invoices/invoices.service.ts';
import { longDate, longDateOf, money, prettyPhone } from '../../lib/format.ts';

const STATUS: Record<InvoiceRow['status'], string> = { draft: 'Draft', sent: 'Open', paying: 'Processing', paid: 'Paid', void: 'Cancelled' };

/** One tap to a real sign-in: a login link to the client's own contact on file. */
const seeAllForm = (csrf: string, label = 'See all your invoices') =>
  html`<form method="post" action="/portal/send-link">${csrfField(csrf)}<button type="submit">${label}</button></form>`;

function page(s: PortalSession, title: string, body: SafeHtml, csrf: string): string {
  const nav = s.scope
    ? html`<div class="alert info" role="note">You opened this from an email link, so you see just this ${s.scope.kind}. <a href="/portal">See all your invoices</a></div>`
    : html`<nav class="tabs" aria-label="Portal">
<a href="/portal">Home</a><a href="/portal/invoices">Invoices</a><a href="/portal/reports">Reports</a><a href="/portal/profile">Profile</a>
</nav>${
        s.kind === 'recovery'
          ? html`<div class="alert info" role="note">You signed in with a one-time link from Servicio support; this visit ends within 24 hours. If sign-in links don’t reach you, <a href="/portal/profile">update your email or mobile number</a>.</div>`
          : ''
      }`;
  return layout({
    title,
    brand: s.tenant,
    body: html`${nav}
${body}
<form method="post" action="/logout" class="signout">${csrfField(csrf)}<button type="submit" class="secondary">Sign out</button></form>`,
  });
}

const invoiceRow = (i: InvoiceRow) =>
  html`<li><a class="row" href="/portal/invoices/${i.id}"><span><strong>Invoice ${i.number}</strong><small>${i.status === 'sent' ? `Due ${longDate(i.due_date)}` : i.status === 'paid' ? 'Paid — thank you' : 'Cancelled'}</small></span>
<span class="amount">${money(i.total_cents, i.currency)}<span class="tag ${i.status}">${STATUS[i.status]}</span></span></a></li>`;

const reportRow = (r: ReportRow) =>
  html`<li><a class="row" href="/portal/reports/${r.id}"><span><strong>${r.title}</strong><small>${longDate(r.service_date)} · ${r.technician}</small></span><span aria-hidden="true">›</span></a></li>`;

/** Open invoices first (soonest due first), then the rest, newest first. */
export function sortInvoices(list: InvoiceRow[]): InvoiceRow[] {
  const open = list.filter((i) => i.status === 'sent').sort((a, b) => a.due_date.localeCompare(b.due_date));
  const closed = list.filter((i) => i.status !== 'sent').sort((a, b) => b.issue_date.localeCompare(a.issue_date));
  return [...open, ...closed];
}

export function portalHome(p: { session: PortalSession; csrf: string; invoices: InvoiceRow[]; reports: ReportRow[] }): string {
  const s = p.session;
  const first = s.clientName.split(/\s+/)[0] ?? s.clientName;
  const open = p.invoices.filter((i) => i.status === 'sent');
  return page(
    s,
    'Your portal',
    html`<div class="card">
<h1>Hi ${first}</h1>
<p class="lead">You’re signed in to <strong>${s.tenant.name}</strong> as ${s.clientName}.</p>
<h2>Invoices</h2>
${open.length ? html`<ul class="list">${sortInvoices(open).map(invoiceRow)}</ul>` : html`<p class="meta">You have no open invoices. When ${s.tenant.name} sends one, it will appear here and you can pay it in a tap.</p>`}
${p.invoices.length > open.length ? html`<p class="meta"><a href="/portal/invoices">All invoices</a></p>` : ''}
<h2>Service reports</h2>
${p.reports.length ? html`<ul class="list">${p.reports.slice(0, 3).map(reportRow)}</ul>` : html`<p class="meta">Reports from your visits will appear here.</p>`}
</div>`,
    p.csrf,
  );
}

export function invoicesPage(p: { session: PortalSession; csrf: string; invoices: InvoiceRow[] }): string {
  return page(
    p.session,
    'Invoices',
    html`<div class="card"><h1>Invoices</h1>
${p.invoices.length ? html`<ul class="list">${sortInvoices(p.invoices).map(invoiceRow)}</ul>` : html`<p class="meta">No invoices yet.</p>`}</div>`,
    p.csrf,
  );
}

export function invoicePage(p: { session: PortalSession; csrf: string; invoice: InvoiceRow; payment?: { provider_ref: string; created_at: number } | undefined; notice?: string; error?: string }): string {
  const i = p.invoice;
  const items = parseLineItems(i);
  return page(
    p.session,
    `Invoice ${i.number}`,
    html`<div class="card">
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<h1>Invoice ${i.number} <span class="tag ${i.status}">${STATUS[i.status]}</span></h1>
<p class="meta">Issued ${longDate(i.issue_date)}${i.status === 'sent' ? html` · due <strong>${longDate(i.due_date)}</strong>` : ''}</p>
<table class="list"><thead><tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr></thead><tbody>
${items.map((l) => html`<tr><td>${l.description}${l.quantity !== 1 ? html`<small> × ${l.quantity} at ${money(l.unitCents, i.currency)}</small>` : ''}</td><td class="num">${money(l.amountCents, i.currency)}</td></tr>`)}
</tbody><tfoot><tr><th scope="row">Total</th><td class="num"><strong>${money(i.total_cents, i.currency)}</strong></td></tr></tfoot></table>
${
  i.status === 'sent'
    ? html`<form method="post" action="/portal/invoices/${i.id}/pay">${csrfField(p.csrf)}<button type="submit">Pay ${money(i.total_cents, i.currency)}</button></form>`
    : i.status === 'paid'
      ? html`<div class="receipt"><h2>Receipt</h2><p>Paid ${money(i.total_cents, i.currency)} on ${longDateOf(i.paid_at ?? 0)}.</p>${p.payment ? html`<p class="meta">Payment reference ${p.payment.provider_ref}</p>` : html`<p class="meta">Paid directly to ${p.session.tenant.name}.</p>`}</div>`
      : i.status === 'paying'
        ? html`<p class="meta">Your payment is being processed. Refresh in a moment to see your receipt.</p>`
        : html`<p class="meta">${p.session.tenant.name} cancelled this invoice; nothing is due.</p>`
}
</div>`,
    p.csrf,
  );
}

export function reportsPage(p: { session: PortalSession; csrf: string; reports: ReportRow[] }): string {
  return page(p.session, 'Service reports', html`<div class="card"><h1>Service reports</h1>${p.reports.length ? html`<ul class="list">${p.reports.map(reportRow)}</ul>` : html`<p class="meta">No reports yet.</p>`}</div>`, p.csrf);
}

export function reportPage(p: { session: PortalSession; csrf: string; report: ReportRow }): string {
  const r = p.report;
  const checklist = JSON.parse(r.checklist) as { item: string; done: boolean }[];
  const photos = JSON.parse(r.photos) as string[];
  return page(
    p.session,
    r.title,
    html`<div class="card">
<h1>${r.title}</h1>
<p class="meta">${longDate(r.service_date)} · ${r.technician}</p>
${r.notes ? html`<p class="notes">${r.notes}</p>` : ''}
${checklist.length ? html`<h2>Checklist</h2><ul class="checklist">${checklist.map((c) => html`<li class="${c.done ? 'done' : 'todo'}"><span aria-hidden="true">${c.done ? '✓' : '○'}</span> ${c.item}<span class="sr-only">${c.done ? ' (done)' : ' (not done)'}</span></li>`)}</ul>` : ''}
${photos.length ? html`<h2>Photos</h2><div class="photos">${photos.map((u) => html`<a href="${u}"><img src="${u}" alt="Photo from the visit" loading="lazy"></a>`)}</div>` : ''}
</div>`,
    p.csrf,
  );
}

export interface ProfileData {
  session: PortalSession;
  csrf: string;
  email: string | null;
  phone: string | null;
  error?: string;
  notice?: string;
  values?: { email: string; phone: string };
  /** A recovery session: the code sent to a new email or phone, when one is awaited. */
  proof?: { kind: 'email' | 'phone'; masked: string } | null;
}

export function profilePage(p: ProfileData): string {
  const v = p.values ?? { email: p.email ?? '', phone: p.phone ?? '' };
  const recovery = p.session.kind === 'recovery';
  const details = recovery
    ? html`<p class="lead">You signed in with a one-time link from Servicio support. To use a new email or mobile number, we send a code to it: type the code here and the change is made.</p>
<dl class="details"><dt>Email</dt><dd>${p.email ?? html`<span class="meta">None on file</span>`}</dd><dt>Mobile number</dt><dd>${p.phone ? prettyPhone(p.phone) : html`<span class="meta">None on file</span>`}</dd></dl>
${
  p.proof
    ? html`<form method="post" action="/portal/profile/confirm" novalidate>${csrfField(p.csrf)}
<label for="code">Code we sent to ${p.proof.masked}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" class="code" required${p.error ? html` aria-invalid="true" autofocus` : ''}>
<button type="submit">Confirm the new ${p.proof.kind === 'email' ? 'email' : 'mobile number'}</button></form>`
    : ''
}
<form method="post" action="/portal/profile/prove" novalidate>${csrfField(p.csrf)}<input type="hidden" name="kind" value="email">
<label for="new-email">New email</label><input id="new-email" name="value" type="email" autocomplete="email" value="${p.values?.email ?? ''}">
<button type="submit" class="secondary">Send a code to this email</button></form>
<form method="post" action="/portal/profile/prove" novalidate>${csrfField(p.csrf)}<input type="hidden" name="kind" value="phone">
<label for="new-phone">New mobile number</label><input id="new-phone" name="value" type="tel" autocomplete="tel" value="${p.values?.phone ?? ''}">
<button type="submit" class="secondary">Text a code to this number</button></form>`
    : html`<form method="post" action="/portal/profile" novalidate>${csrfField(p.csrf)}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" value="${v.email}">
<label for="phone">Mobile number</label><input id="phone" name="phone" type="tel" autocomplete="tel" value="${v.phone}">
<button type="submit">Save changes</button></form>`;
  return page(
    p.session,
    'Your details',
    html`<div class="card">
<h1>Your contact details</h1>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
${details}
<h2>Devices</h2>
<p class="meta">Lost a phone or used a shared computer? Sign out everywhere you are signed in to ${p.session.tenant.name}.</p>
<form method="post" action="/logout">${csrfField(p.csrf)}<input type="hidden" name="everywhere" value="1"><button type="submit" class="secondary">Sign out on all devices</button></form>
</div>`,
    p.csrf,
  );
}

export function linkClosedPage(shop: { name: string; brandColor: string; logoUrl: string | null }, reason: 'paid' | 'void'): string {
  return layout({
    title: reason === 'paid' ? 'Invoice paid' : 'Invoice cancelled',
    brand: shop,
    body: html`<div class="card"><h1>${reason === 'paid' ? 'This invoice is paid' : 'This invoice was cancelled'}</h1>
<p>${reason === 'paid' ? 'Thank you! Nothing more is due.' : `${shop.name} cancelled this invoice; nothing is due.`} Sign in to see your invoices and receipts.</p>
<a class="button" href="/client-login">Sign in</a></div>`,
  });
}

export function signedLinkInvalidPage(): string {
  return layout({
    title: 'Link no longer works',
    body: html`<div class="card"><h1>This link no longer works</h1>
<p>Links in our emails stop working after 90 days, or when your contact details change. Sign in with your email or mobile number instead — it only takes a moment.</p>
<a class="button" href="/client-login">Sign in</a></div>`,
  });
}

/**
 * What a session from an email link sees anywhere but its own invoice or report: the email proves
 * less than a fresh sign-in (a mail scanner may have opened it), so one tap sends a real link.
 */
export function limitedPage(p: { session: PortalSession; csrf: string }): string {
  const s = p.session;
  const own = s.scope && s.scope.id ? (s.scope.kind === 'invoice' ? `/portal/invoices/${s.scope.id}` : `/portal/reports/${s.scope.id}`) : null;
  return layout({
    title: 'See all your invoices',
    brand: s.tenant,
    body: html`<div class="card">
<h1>See all your invoices</h1>
<p class="lead">You opened the portal from an email link, which shows just that ${s.scope?.kind ?? 'page'}. To see everything from ${s.tenant.name} — all your invoices, receipts, reports and details — sign in with one tap.</p>
${seeAllForm(p.csrf)}
<p class="meta">We’ll send a sign-in link to the email address or mobile number ${s.tenant.name} has on file for you.</p>
${own ? html`<p class="meta"><a href="${own}">Back to the ${s.scope!.kind} you opened</a></p>` : ''}
</div>`,
  });
}

/** A signed link for someone else, opened in a browser that is signed in: ask before switching. */
export function switchAccountPage(p: { current: PortalSession; link: { clientName: string; shop: { name: string; brandColor: string; logoUrl: string | null } }; token: string; csrf: string; error?: string }): string {
  return layout({
    title: 'Switch portal?',
    brand: p.link.shop,
    body: html`<div class="card">
<h1>Switch portal?</h1>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<p class="lead">You’re signed in as ${p.current.clientName} at ${p.current.tenant.name}. This link is for someone else.</p>
<form method="post" action="/s/${p.token}">${csrfField(p.csrf)}<button type="submit">Continue as ${p.link.clientName} at ${p.link.shop.name}</button></form>
<p class="meta spaced"><a href="/portal">Stay signed in as ${p.current.clientName}</a></p>
</div>`,
  });
}
