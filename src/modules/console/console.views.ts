// The shop console's pages: server-rendered, no script, phone and desktop. Every sentence an
// owner reads is here; outcomes of messages come in plain words from delivery/outcome.ts.
import { csrfField, layout } from '../../http/views/layout.ts';
import { html, type SafeHtml } from '../../lib/html.ts';
import type { Client } from '../clients/clients.repo.ts';
import type { MessageHistory } from '../delivery/history.ts';
import type { ConsoleSession } from '../staff/staff-sessions.service.ts';
import type { AuditLine } from '../audit/audit-log.service.ts';
import { actionInWords } from '../audit/audit-words.ts';

export type ConsoleTab = 'health' | 'clients' | 'audit' | 'settings' | 'staff' | 'api-keys';

const when = (ms: number | null) =>
  ms === null ? '—' : new Date(ms).toLocaleString('en-US', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';
const prettyPhone = (e164: string | null) => (e164 && /^\+1\d{10}$/.test(e164) ? `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}` : (e164 ?? ''));

export function consolePage(p: { session: ConsoleSession; csrf: string; title: string; tab: ConsoleTab; body: SafeHtml }): string {
  const s = p.session;
  const tabs: [ConsoleTab, string, string][] = [
    ['health', 'Sign-in health', '/shop'],
    ['clients', 'Clients', '/shop/clients'],
    ['audit', 'Audit log', '/shop/audit'],
    ...(s.role === 'owner'
      ? ([
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
const outcomeTag = (m: Pick<MessageHistory, 'outcome'>) => html`<span class="${toneClass(m.outcome.tone)}">${m.outcome.label}</span>`;
const what = (template: string) =>
  template === 'login-link' ? 'Sign-in link' : template === 'invoice-email' ? 'Invoice email' : template === 'report-email' ? 'Service report email' : template === 'unknown-email' ? 'Notice' : template;

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

const facts = (f: ContactFacts) => (f.lines.length ? html`<ul class="facts">${f.lines.map((l) => html`<li class="${l.tone}">${l.text}</li>`)}</ul>` : '');

/** A short description of a browser from its user agent. */
export function deviceOf(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua) ? 'Edge' : /CriOS|Chrome\//.test(ua) ? 'Chrome' : /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /iPhone|iPad/.test(ua) ? 'iPhone/iPad' : /Android/.test(ua) ? 'Android' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'Mac' : /Linux/.test(ua) ? 'Linux' : 'unknown system';
  return `${browser} on ${os}`;
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
${
  p.history.length === 0
    ? html`<p class="meta">Nothing sent to ${c.name} yet.</p>`
    : html`<table class="list"><caption class="sr-only">Messages sent to ${c.name}, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">To</th><th scope="col">What happened</th></tr></thead><tbody>
${p.history.map(
  (m) => html`<tr><td>${when(m.createdAt)}</td><td>${what(m.template)}<small>${m.channel === 'sms' ? 'Text' : 'Email'}${m.linkUsed === true ? ' · signed in with it' : m.linkUsed === false ? ' · not used' : ''}</small></td><td>${m.to}</td>
<td>${outcomeTag(m)}${m.outcome.detail ? html`<small>${m.outcome.detail}</small>` : ''}</td></tr>`,
)}
</tbody></table>`
}
</div>
<div class="card">
<h2>Signed in on</h2>
${
  p.sessions.length === 0
    ? html`<p class="meta">No open sessions.</p>`
    : html`<table class="list"><thead><tr><th scope="col">Device</th><th scope="col">Signed in</th><th scope="col">Last used</th></tr></thead><tbody>
${p.sessions.map((s) => html`<tr><td>${deviceOf(s.user_agent)}<small>${s.kind === 'link' ? 'from an email link (one invoice or report)' : 'full sign-in'}</small></td><td>${when(s.created_at)}</td><td>${when(s.renewed_at)}</td></tr>`)}
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
