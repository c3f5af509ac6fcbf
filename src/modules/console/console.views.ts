// The shop console's pages: server-rendered, no script, phone and desktop. Every sentence an
// owner reads is here; outcomes of messages come in plain words from delivery/outcome.ts.
import { csrfField, layout } from '../../http/views/layout.ts';
import { html, type SafeHtml } from '../../lib/html.ts';
import { prettyPhone } from '../../lib/format.ts';
import type { Client } from '../clients/clients.repo.ts';
import type { MessageHistory } from '../delivery/history.ts';
import type { ConsoleSession } from '../staff/staff-sessions.service.ts';
import type { AuditLine } from '../audit/audit-log.service.ts';
import { actionInWords } from '../audit/audit-words.ts';
import type { Funnel, Health } from '../health/health.service.ts';
import type { FactorPlace } from '../mfa/mfa.views.ts';

export type ConsoleTab = 'health' | 'clients' | 'audit' | 'shop-details' | 'settings' | 'staff' | 'api-keys';

export const when = (ms: number | null) =>
  ms === null ? '—' : new Date(ms).toLocaleString('en-US', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';

export function consolePage(p: { session: ConsoleSession; csrf: string; title: string; tab: ConsoleTab; body: SafeHtml }): string {
  const s = p.session;
  const tabs: [ConsoleTab, string, string][] = [
    ['health', 'Sign-in health', '/shop'],
    ['clients', 'Clients', '/shop/clients'],
    ['audit', 'Audit log', '/shop/audit'],
    ...(s.role === 'owner'
      ? ([
          ['shop-details', 'Shop details', '/shop/settings/shop'],
          ['settings', 'Security settings', '/shop/settings/security'],
          ['staff', 'Staff', '/shop/staff'],
          ['api-keys', 'API keys', '/shop/api-keys'],
        ] as [ConsoleTab, string, string][])
      : []),
  ];
  return layout({
    title: `${p.title} · Shop console`,
    brand: s.tenant,
    wide: true,
    body: html`<nav class="tabs" aria-label="Shop console">
${tabs.map(([key, label, href]) => html`<a href="${href}"${key === p.tab ? html` aria-current="page"` : ''}>${label}</a>`)}
</nav>
${p.body}
<form method="post" action="/shop/sign-out" class="signout">${csrfField(p.csrf)}<p class="meta">Signed in as ${s.name} (${s.role}) · <button type="submit" class="link">Sign out</button></p></form>`,
  });
}

export function forbiddenPage(p: { session: ConsoleSession | null; csrf: string }): string {
  const body = html`<div class="card"><h1>Owners only</h1><p>This page is for the shop’s owners. Ask an owner of ${p.session?.tenant.name ?? 'your shop'} if you need something changed here.</p><a class="button secondary" href="/shop/clients">Back to clients</a></div>`;
  return p.session ? consolePage({ session: p.session, csrf: p.csrf, title: 'Owners only', tab: 'clients', body }) : layout({ title: 'Please sign in', body: html`<div class="card"><h1>Please sign in</h1><a class="button" href="/shop/sign-in">Sign in to the shop console</a></div>` });
}

const toneClass = (t: string) => `tag ${t === 'ok' ? 'paid' : t === 'bad' ? 'bad' : t === 'warn' ? 'sent' : ''}`;
export const outcomeTag = (m: Pick<MessageHistory, 'outcome'>) => html`<span class="${toneClass(m.outcome.tone)}">${m.outcome.label}</span>`;
const TEMPLATE_WORDS: Record<string, string> = {
  'login-link': 'Sign-in link',
  'invoice-email': 'Invoice email',
  'report-email': 'Service report email',
  'unknown-email': 'Notice',
  'recovery-link': 'Recovery link from Servicio support',
  'recovery-notice': 'Recovery notice',
  'contact-code': 'Code to confirm a new contact',
  'contact-changed': 'Notice of a changed contact',
  'payment-receipt': 'Payment receipt',
};
const what = (template: string) => TEMPLATE_WORDS[template] ?? template;

export interface ClientRow {
  client: Pick<Client, 'id' | 'name' | 'email' | 'phone' | 'status'>;
  lastSignInAt: number | null;
  lastMessage: MessageHistory | undefined;
}

export function clientsPage(p: { session: ConsoleSession; csrf: string; q: string; rows: ClientRow[]; page: number; hasNext: boolean }): string {
  const qs = (page: number) => `/shop/clients?${new URLSearchParams({ ...(p.q ? { q: p.q } : {}), page: String(page) })}`;
  return consolePage({
    ...p,
    title: 'Clients',
    tab: 'clients',
    body: html`<div class="card">
<h1>Clients</h1>
<form method="get" action="/shop/clients" role="search" class="inline">
<label for="q">Find a client <span class="hint" id="q-hint">Name, email, or phone in any format — (512) 555-0187 works.</span></label>
<input id="q" name="q" type="search" value="${p.q}" aria-describedby="q-hint" autocomplete="off">
<button type="submit">Search</button>
</form>
${
  p.rows.length === 0
    ? html`<p class="meta">${p.q ? html`No client of ${p.session.tenant.name} matches “${p.q}”.` : 'No clients yet.'}</p>`
    : html`<table class="list"><caption class="sr-only">Clients${p.q ? ` matching ${p.q}` : ''}, page ${p.page}</caption>
<thead><tr><th scope="col">Client</th><th scope="col">Last sign-in</th><th scope="col">Last message</th></tr></thead><tbody>
${p.rows.map(
  (r) => html`<tr><td><a href="/shop/clients/${r.client.id}"><strong>${r.client.name}</strong></a>${r.client.status === 'disabled' ? html` <span class="tag void">Disabled</span>` : ''}<small>${r.client.email ?? ''}${r.client.email && r.client.phone ? ' · ' : ''}${prettyPhone(r.client.phone)}</small></td>
<td>${r.lastSignInAt ? when(r.lastSignInAt) : html`<span class="meta">Never</span>`}</td>
<td>${r.lastMessage ? html`${what(r.lastMessage.template)} by ${r.lastMessage.channel === 'sms' ? 'text' : 'email'}, ${when(r.lastMessage.createdAt)}<br>${outcomeTag(r.lastMessage)}` : html`<span class="meta">None</span>`}</td></tr>`,
)}
</tbody></table>`
}
<nav class="pager" aria-label="Pages">${p.page > 1 ? html`<a href="${qs(p.page - 1)}">← Previous</a>` : ''}${p.hasNext ? html`<a href="${qs(p.page + 1)}">Next →</a>` : ''}</nav>
</div>`,
  });
}

/** What the delivery records say about one contact detail. */
export interface ContactFacts {
  lines: { text: string; tone: 'ok' | 'warn' | 'bad' }[];
}

export interface ClientPageData {
  session: ConsoleSession;
  csrf: string;
  client: Client;
  emailFacts: ContactFacts;
  phoneFacts: ContactFacts;
  history: MessageHistory[];
  sessions: { id: string; kind: string; created_at: number; renewed_at: number; user_agent: string | null; ip: string | null }[];
  notice?: string;
  error?: string;
  /** The edit form as typed, with a suggestion for a likely typo in the email's domain. */
  edit?: { email: string; phone: string; suggestion?: string };
  /** A destructive action waiting for "Yes". */
  confirm?: 'sign-out-all' | 'stop-email-links';
}

export const facts = (f: ContactFacts) => (f.lines.length ? html`<ul class="facts">${f.lines.map((l) => html`<li class="${l.tone}">${l.text}</li>`)}</ul>` : '');

/** A short description of a browser from its user agent. */
export function deviceOf(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua) ? 'Edge' : /CriOS|Chrome\//.test(ua) ? 'Chrome' : /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /iPhone|iPad/.test(ua) ? 'iPhone/iPad' : /Android/.test(ua) ? 'Android' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'Mac' : /Linux/.test(ua) ? 'Linux' : 'unknown system';
  return `${browser} on ${os}`;
}

/** The messages sent to one client, newest first, with what happened to each in plain words. */
export function messagesTable(name: string, history: MessageHistory[]): SafeHtml {
  return history.length === 0
    ? html`<p class="meta">Nothing sent to ${name} yet.</p>`
    : html`<table class="list"><caption class="sr-only">Messages sent to ${name}, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">To</th><th scope="col">What happened</th></tr></thead><tbody>
${history.map(
  (m) => html`<tr><td>${when(m.createdAt)}</td><td>${what(m.template)}<small>${m.channel === 'sms' ? 'Text' : 'Email'}${m.linkUsed === true ? ' · signed in with it' : m.linkUsed === false ? ' · not used' : ''}</small></td><td>${m.to}</td>
<td>${outcomeTag(m)}${m.outcome.detail ? html`<small>${m.outcome.detail}</small>` : ''}</td></tr>`,
)}
</tbody></table>`;
}

export function clientPage(p: ClientPageData): string {
  const c = p.client;
  const e = p.edit ?? { email: c.email ?? '', phone: c.phone ?? '' };
  const confirmBox = (action: string, question: string, yes: string) =>
    html`<form method="post" action="/shop/clients/${c.id}/${action}" class="confirm">${csrfField(p.csrf)}<input type="hidden" name="confirm" value="yes"><p role="alert"><strong>${question}</strong></p><button type="submit" class="danger">${yes}</button> <a href="/shop/clients/${c.id}">No, keep things as they are</a></form>`;
  return consolePage({
    ...p,
    title: c.name,
    tab: 'clients',
    body: html`<p class="meta"><a href="/shop/clients">← All clients</a></p>
<div class="card">
<h1>${c.name}${c.status === 'disabled' ? html` <span class="tag void">Disabled</span>` : ''}</h1>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
${p.confirm === 'sign-out-all' ? confirmBox('sign-out-all', `Sign ${c.name} out of every device?`, 'Yes, sign out everywhere') : ''}
${p.confirm === 'stop-email-links' ? confirmBox('stop-email-links', `Stop every sign-in button in emails already sent to ${c.name}?`, 'Yes, stop the email links') : ''}
<h2>Contact details</h2>
<dl class="details">
<dt>Email</dt><dd>${c.email ?? html`<span class="meta">None on file</span>`}${facts(p.emailFacts)}</dd>
<dt>Mobile number</dt><dd>${c.phone ? prettyPhone(c.phone) : html`<span class="meta">None on file</span>`}${facts(p.phoneFacts)}</dd>
</dl>
<details${p.edit ? ' open' : ''}><summary>Fix the email or mobile number</summary>
<form method="post" action="/shop/clients/${c.id}/contact" novalidate>${csrfField(p.csrf)}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="off" value="${e.email}">
${e.suggestion ? html`<p class="alert info" role="alert">Did you mean <strong>${e.suggestion}</strong>? <button type="submit" name="email_choice" value="suggested" class="secondary">Use ${e.suggestion}</button> <button type="submit" name="email_choice" value="as_typed" class="secondary">Keep it as typed</button></p>` : ''}
<label for="phone">Mobile number</label><input id="phone" name="phone" type="tel" autocomplete="off" value="${e.phone}">
<p class="hint">Changing either stops the sign-in links already sent and signs the client out of email-link sessions.</p>
<button type="submit">Save contact details</button>
</form></details>
<h2>Help them sign in</h2>
<div class="actions">
${c.email ? html`<form method="post" action="/shop/clients/${c.id}/send-link">${csrfField(p.csrf)}<input type="hidden" name="channel" value="email"><button type="submit">Send a sign-in link by email</button></form>` : ''}
${c.phone ? html`<form method="post" action="/shop/clients/${c.id}/send-link">${csrfField(p.csrf)}<input type="hidden" name="channel" value="sms"><button type="submit">Send a sign-in link by text</button></form>` : ''}
<form method="post" action="/shop/clients/${c.id}/sign-out-all">${csrfField(p.csrf)}<button type="submit" class="secondary">Sign out of all devices</button></form>
<form method="post" action="/shop/clients/${c.id}/stop-email-links">${csrfField(p.csrf)}<button type="submit" class="secondary">Stop email links</button></form>
</div>
</div>
<div class="card">
<h2>Messages</h2>
<p class="meta"><a href="/shop/audit?client=${c.id}">Everything about ${c.name} in the audit log</a></p>
${messagesTable(c.name, p.history)}
</div>
<div class="card">
<h2>Signed in on</h2>
${
  p.sessions.length === 0
    ? html`<p class="meta">No open sessions.</p>`
    : html`<table class="list"><thead><tr><th scope="col">Device</th><th scope="col">Signed in</th><th scope="col">Last used</th></tr></thead><tbody>
${p.sessions.map((s) => html`<tr><td>${deviceOf(s.user_agent)}<small>${s.kind === 'link' ? 'from an email link (one invoice or report)' : s.kind === 'recovery' ? 'from a Servicio support recovery link (24 hours at most)' : 'full sign-in'}</small></td><td>${when(s.created_at)}</td><td>${when(s.renewed_at)}</td></tr>`)}
</tbody></table>`
}
</div>`,
  });
}

export interface AuditPageData {
  session: ConsoleSession;
  csrf: string;
  lines: AuditLine[];
  actions: string[];
  filter: { client: string; clientName: string | null; action: string; from: string; to: string };
  page: number;
  hasNext: boolean;
  error?: string;
}

export function auditPage(p: AuditPageData): string {
  const f = p.filter;
  const query = (extra: Record<string, string>) => new URLSearchParams(Object.fromEntries(Object.entries({ client: f.client, action: f.action, from: f.from, to: f.to, ...extra }).filter(([, v]) => v))).toString();
  return consolePage({
    ...p,
    title: 'Audit log',
    tab: 'audit',
    body: html`<div class="card">
<h1>Audit log</h1>
<p class="lead">Everything that happened to ${p.session.tenant.name}’s sign-ins and clients, newest first. Links and codes are never recorded.</p>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<form method="get" action="/shop/audit" class="filters">
${f.client ? html`<input type="hidden" name="client" value="${f.client}"><p>Client: <strong>${f.clientName ?? 'unknown'}</strong> · <a href="/shop/audit?${query({ client: '' })}">all clients</a></p>` : ''}
<div class="grid3">
<div><label for="action">What</label><select id="action" name="action"><option value="">Everything</option>${p.actions.map((a) => html`<option value="${a}"${a === f.action ? ' selected' : ''}>${actionInWords(a)}</option>`)}</select></div>
<div><label for="from">From</label><input id="from" name="from" type="date" value="${f.from}"></div>
<div><label for="to">To (inclusive)</label><input id="to" name="to" type="date" value="${f.to}"></div>
</div>
<button type="submit" class="secondary">Show</button>
</form>
<p><a href="/shop/audit.csv?${query({})}" download>Download these events as CSV</a></p>
${
  p.lines.length === 0
    ? html`<p class="meta">No events match.</p>`
    : html`<table class="list"><caption class="sr-only">Audit events, newest first, page ${p.page}</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Client</th></tr></thead><tbody>
${p.lines.map(
  (l) => html`<tr><td>${when(l.at)}</td><td>${l.who}</td><td>${l.what}${l.details ? html`<small>${l.details}</small>` : ''}</td><td>${l.clientId ? html`<a href="/shop/clients/${l.clientId}">${l.clientName ?? 'client'}</a>` : ''}</td></tr>`,
)}
</tbody></table>`
}
<nav class="pager" aria-label="Pages">${p.page > 1 ? html`<a href="/shop/audit?${query({ page: String(p.page - 1) })}">← Newer</a>` : ''}${p.hasNext ? html`<a href="/shop/audit?${query({ page: String(p.page + 1) })}">Older →</a>` : ''}</nav>
</div>`,
  });
}

export function securityPage(p: { session: ConsoleSession; csrf: string; values: { sessionDays: string; loginChannels: string; staffMfaRequired: boolean }; notice?: string; error?: string }): string {
  const v = p.values;
  const channel = (value: string, label: string, hint: string) =>
    html`<label class="choice"><input type="radio" name="loginChannels" value="${value}"${v.loginChannels === value ? ' checked' : ''}> ${label}<span class="hint">${hint}</span></label>`;
  return consolePage({
    ...p,
    title: 'Security settings',
    tab: 'settings',
    body: html`<div class="card">
<h1>Security settings</h1>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<form method="post" action="/shop/settings/security" novalidate>${csrfField(p.csrf)}
<label for="sessionDays">How long clients stay signed in <span class="hint" id="days-hint">1 to 30 days. A shorter length applies at once to clients already signed in — some will need to sign in again.</span></label>
<input id="sessionDays" name="sessionDays" type="text" inputmode="numeric" value="${v.sessionDays}" aria-describedby="days-hint"${p.error?.startsWith('sessionDays') ? ' aria-invalid="true"' : ''}>
<fieldset><legend>How clients may sign in</legend>
${channel('both', 'Email or text message', 'Clients use whichever your records have; recommended.')}
${channel('email', 'Email only', 'Sign-in texts are never sent for your shop.')}
${channel('sms', 'Text message only', 'Sign-in emails are never sent for your shop.')}
</fieldset>
<fieldset><legend>Staff</legend>
<label class="choice"><input type="checkbox" name="staffMfaRequired" value="1"${v.staffMfaRequired ? ' checked' : ''}> Require a second factor (an authenticator app code) when staff sign in<span class="hint">Each staff member sets it up the next time they sign in.</span></label>
</fieldset>
<button type="submit">Save security settings</button>
</form>
</div>`,
  });
}

export interface ShopDetailsValues {
  contactPhone: string;
  contactEmail: string;
  address: string;
}

/** Settings → Shop details: how clients reach the shop, shown on their invoices, receipts and portal. */
export function shopDetailsPage(p: { session: ConsoleSession; csrf: string; values: ShopDetailsValues; notice?: string; error?: string; errorField?: string }): string {
  const v = p.values;
  const invalid = (field: keyof ShopDetailsValues) => (p.errorField === field ? html` aria-invalid="true"` : '');
  return consolePage({
    ...p,
    title: 'Shop details',
    tab: 'shop-details',
    body: html`<div class="card">
<h1>Shop details</h1>
<p class="lead">How your clients reach ${p.session.tenant.name}. They see these on their invoices, receipts and in the portal. Leave a box empty to show nothing there.</p>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<form method="post" action="/shop/settings/shop" novalidate>${csrfField(p.csrf)}
<label for="contactPhone">Phone number <span class="hint" id="phone-hint">With the area code, like (512) 555-0100; or + and the country code.</span></label>
<input id="contactPhone" name="contactPhone" type="tel" autocomplete="off" value="${v.contactPhone}" aria-describedby="phone-hint"${invalid('contactPhone')}>
<label for="contactEmail">Email address <span class="hint" id="email-hint">Where clients write to you, like hello@yourshop.com.</span></label>
<input id="contactEmail" name="contactEmail" type="email" autocomplete="off" value="${v.contactEmail}" aria-describedby="email-hint"${invalid('contactEmail')}>
<label for="address">Address <span class="hint" id="address-hint">Up to 4 lines, 200 characters: street, then city, state and ZIP code.</span></label>
<textarea id="address" name="address" rows="4" autocomplete="off" aria-describedby="address-hint"${invalid('address')}>${v.address}</textarea>
<button type="submit">Save shop details</button>
</form>
</div>`,
  });
}

export interface StaffRowData {
  id: string;
  name: string;
  email: string;
  role: string;
  status: string;
  lastSignInAt: number | null;
  secondFactor: boolean;
}

export function staffPage(p: { session: ConsoleSession; csrf: string; staff: StaffRowData[]; notice?: string; error?: string; values?: { name: string; email: string; role: string }; confirmDisable?: StaffRowData }): string {
  const v = p.values ?? { name: '', email: '', role: 'staff' };
  return consolePage({
    ...p,
    title: 'Staff',
    tab: 'staff',
    body: html`<div class="card">
<h1>Staff</h1>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
${
  p.confirmDisable
    ? html`<form method="post" action="/shop/staff/${p.confirmDisable.id}" class="confirm">${csrfField(p.csrf)}<input type="hidden" name="status" value="disabled"><input type="hidden" name="confirm" value="yes"><p role="alert"><strong>Disable ${p.confirmDisable.name}? They are signed out at once and cannot sign in.</strong></p><button type="submit" class="danger">Yes, disable ${p.confirmDisable.name}</button> <a href="/shop/staff">No</a></form>`
    : ''
}
<table class="list"><caption class="sr-only">Staff of ${p.session.tenant.name}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Last sign-in</th><th scope="col">Change</th></tr></thead><tbody>
${p.staff.map(
  (s) => html`<tr><td><strong>${s.name}</strong>${s.status === 'disabled' ? html` <span class="tag void">Disabled</span>` : ''}<small>${s.email}${s.secondFactor ? ' · second factor on' : ''}</small></td>
<td>${s.role === 'owner' ? 'Owner' : 'Staff'}</td><td>${when(s.lastSignInAt)}</td>
<td><form method="post" action="/shop/staff/${s.id}" class="row-form">${csrfField(p.csrf)}
<label class="sr-only" for="role-${s.id}">Role of ${s.name}</label><select id="role-${s.id}" name="role"><option value="staff"${s.role === 'staff' ? ' selected' : ''}>Staff</option><option value="owner"${s.role === 'owner' ? ' selected' : ''}>Owner</option></select>
<button type="submit" class="secondary">Save role</button>
${s.status === 'active' ? html`<button type="submit" name="status" value="disabled" class="secondary">Disable</button>` : html`<button type="submit" name="status" value="active" class="secondary">Enable</button>`}
</form></td></tr>`,
)}
</tbody></table>
<p class="meta">Owners can do everything here. Staff see clients, messages and the audit log, but not security settings, staff or API keys.</p>
</div>
<div class="card">
<h2>Invite someone</h2>
<form method="post" action="/shop/staff" novalidate>${csrfField(p.csrf)}
<label for="name">Name</label><input id="name" name="name" type="text" value="${v.name}" autocomplete="off">
<label for="email">Work email <span class="hint">We email them a sign-in link.</span></label><input id="email" name="email" type="email" value="${v.email}" autocomplete="off">
<label for="role">Role</label><select id="role" name="role"><option value="staff"${v.role !== 'owner' ? ' selected' : ''}>Staff</option><option value="owner"${v.role === 'owner' ? ' selected' : ''}>Owner</option></select>
<button type="submit">Invite</button>
</form>
</div>`,
  });
}

export function apiKeysPage(p: { session: ConsoleSession; csrf: string; keys: { id: string; name: string; created_at: number; revoked_at: number | null; last_used_at: number | null }[]; created?: { name: string; key: string }; notice?: string; error?: string; confirmRevoke?: { id: string; name: string } }): string {
  return consolePage({
    ...p,
    title: 'API keys',
    tab: 'api-keys',
    body: html`<div class="card">
<h1>API keys</h1>
<p class="lead">Keys let your main office system send clients, invoices and reports here. <a href="/api/v1/openapi.json">API reference (OpenAPI)</a></p>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
${p.created ? html`<div class="alert info" role="alert"><p><strong>Copy the key for “${p.created.name}” now: it is shown only this once.</strong></p><pre>${p.created.key}</pre></div>` : ''}
${
  p.confirmRevoke
    ? html`<form method="post" action="/shop/api-keys/${p.confirmRevoke.id}/revoke" class="confirm">${csrfField(p.csrf)}<input type="hidden" name="confirm" value="yes"><p role="alert"><strong>Revoke “${p.confirmRevoke.name}”? Systems using it stop working at once.</strong></p><button type="submit" class="danger">Yes, revoke it</button> <a href="/shop/api-keys">No</a></form>`
    : ''
}
${
  p.keys.length === 0
    ? html`<p class="meta">No keys yet.</p>`
    : html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"></th></tr></thead><tbody>
${p.keys.map(
  (k) => html`<tr><td>${k.name}${k.revoked_at ? html` <span class="tag void">Revoked</span>` : ''}</td><td>${when(k.created_at)}</td><td>${k.last_used_at ? when(k.last_used_at) : html`<span class="meta">Never</span>`}</td>
<td>${k.revoked_at ? '' : html`<form method="post" action="/shop/api-keys/${k.id}/revoke">${csrfField(p.csrf)}<button type="submit" class="secondary">Revoke</button></form>`}</td></tr>`,
)}
</tbody></table>`
}
<h2>New key</h2>
<form method="post" action="/shop/api-keys" class="inline">${csrfField(p.csrf)}<label for="keyname">Name <span class="hint">What will use it, e.g. “Main office system”.</span></label><input id="keyname" name="name" type="text" maxlength="80"><button type="submit">Create key</button></form>
</div>`,
  });
}

/** The second factor: set up the authenticator app (QR code drawn on the server), or give a code. */
/** Where a shop member's second-factor pages post and lead (see mfa/mfa.views.ts). */
export const consoleFactorPlace = (s: ConsoleSession): FactorPlace => ({
  brand: s.tenant,
  product: 'Shop console',
  action: '/shop/second-factor',
  signOut: '/shop/sign-out',
  home: '/shop',
  enrolWhy: `${s.tenant.name} asks staff for a second factor.`,
  codeFor: s.tenant.name,
});

/** A daily bar chart drawn on the server: readable without script; the table below carries the numbers. */
export function dailyChart(days: { day: string; asked: number; signedIn: number }[]): SafeHtml {
  const W = 720;
  const H = 180;
  const pad = { l: 30, r: 8, t: 10, b: 24 };
  const max = Math.max(1, ...days.map((d) => d.asked));
  const step = (W - pad.l - pad.r) / days.length;
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const bars = days.map((d, i) => {
    const x = pad.l + i * step;
    return html`<rect class="asked" x="${(x + 1).toFixed(1)}" y="${y(d.asked).toFixed(1)}" width="${(step - 2).toFixed(1)}" height="${(H - pad.b - y(d.asked)).toFixed(1)}"></rect><rect class="signed" x="${(x + step / 4).toFixed(1)}" y="${y(d.signedIn).toFixed(1)}" width="${(step / 2).toFixed(1)}" height="${(H - pad.b - y(d.signedIn)).toFixed(1)}"></rect>`;
  });
  const labels = days
    .map((d, i) => ({ d, i }))
    .filter(({ i }) => i % 7 === 0 || i === days.length - 1)
    .map(({ d, i }) => html`<text x="${(pad.l + i * step + step / 2).toFixed(1)}" y="${H - 6}" text-anchor="middle">${d.day.slice(5)}</text>`);
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-title chart-desc"><title id="chart-title">Sign-in links asked for and sign-ins, per day</title><desc id="chart-desc">Tall bars: links asked for; inner bars: sign-ins. The table below has every number.</desc>
<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" class="axis"></line><text x="${pad.l - 4}" y="${pad.t + 8}" text-anchor="end">${max}</text><text x="${pad.l - 4}" y="${H - pad.b}" text-anchor="end">0</text>
${bars}${labels}</svg>`;
}

const pct = (part: number, whole: number) => (whole === 0 ? '—' : `${Math.round((100 * part) / whole)}%`);

export function healthPage(p: { session: ConsoleSession; csrf: string; health: Health }): string {
  const h = p.health;
  const row = (label: string, f: Funnel) =>
    html`<tr><th scope="row">${label}</th><td class="num">${f.asked}</td><td class="num">${f.sent}</td><td class="num">${f.delivered}</td><td class="num">${f.opened}</td><td class="num">${f.signedIn}</td><td class="num">${pct(f.delivered, f.sent)}</td></tr>`;
  return consolePage({
    ...p,
    title: 'Sign-in health',
    tab: 'health',
    body: html`<div class="card">
<h1>Sign-in health</h1>
<p class="lead">The last 30 days for ${p.session.tenant.name}: how many clients asked for a sign-in link, how many links arrived, and how many clients got in.</p>
<div class="stats">
<p><strong>${h.total.asked}</strong> asked for a link</p>
<p><strong>${h.total.signedIn}</strong> signed in</p>
<p><strong>${pct(h.total.delivered, h.total.sent)}</strong> of links delivered</p>
<p><strong>${h.total.failed}</strong> messages failed</p>
</div>
<h2>Per day</h2>
${dailyChart(h.days)}
<p class="legend"><span class="key asked"></span> asked for a link <span class="key signed"></span> signed in</p>
<details><summary>The same as a table</summary>
<table class="list"><caption class="sr-only">Sign-in links asked for and sign-ins per day</caption><thead><tr><th scope="col">Day</th><th scope="col" class="num">Asked</th><th scope="col" class="num">Signed in</th></tr></thead><tbody>
${h.days.map((d) => html`<tr><td>${d.day}</td><td class="num">${d.asked}</td><td class="num">${d.signedIn}</td></tr>`)}
</tbody></table></details>
<h2>By channel</h2>
<table class="list"><caption class="sr-only">Sign-in funnel by channel</caption>
<thead><tr><th scope="col">Channel</th><th scope="col" class="num">Asked</th><th scope="col" class="num">Sent</th><th scope="col" class="num">Delivered</th><th scope="col" class="num">Opened<sup>*</sup></th><th scope="col" class="num">Signed in</th><th scope="col" class="num">Delivery rate</th></tr></thead>
<tbody>${row('Email', h.byChannel.email)}${row('Text message', h.byChannel.sms)}</tbody>
<tfoot>${row('All', h.total)}</tfoot></table>
<p class="meta"><sup>*</sup> Opened counts any opening of the link, including email scanners and link previews. “Delivered” counts messages the provider accepted and did not report as failed.</p>
<h2>Why messages failed</h2>
${h.failures.length ? html`<table class="list"><thead><tr><th scope="col">Reason</th><th scope="col" class="num">Messages</th></tr></thead><tbody>${h.failures.map((f) => html`<tr><td>${f.reason}</td><td class="num">${f.count}</td></tr>`)}</tbody></table>` : html`<p class="meta">No failures in the last 30 days.</p>`}
${h.refused.length ? html`<h2>Why links were not sent</h2><table class="list"><thead><tr><th scope="col">Reason</th><th scope="col" class="num">Requests</th></tr></thead><tbody>${h.refused.map((f) => html`<tr><td>${f.reason}</td><td class="num">${f.count}</td></tr>`)}</tbody></table>` : ''}
<p class="meta spaced">A client can’t sign in? <a href="/shop/clients">Find them</a> to see what was sent and what happened.</p>
</div>`,
  });
}
