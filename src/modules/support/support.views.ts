// Servicio support's pages (/support) and the client's side of a recovery link (/r/:token).
// Server-rendered, no script. Agents see what a shop's console shows about a client, read-only,
// and one action: the recovery link, with its reason, limits and consequences spelled out.
import { csrfField, layout, type Brand } from '../../http/views/layout.ts';
import type { PageTr } from '../../http/i18n.ts';
import { html, type SafeHtml } from '../../lib/html.ts';
import type { Client } from '../clients/clients.repo.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import type { Recovery } from './recovery.service.ts';
import type { MessageHistory } from '../delivery/history.ts';
import { SUPPORT_BRAND } from '../login/login.views.ts';
import { facts, messagesTable, when, type ContactFacts } from '../console/console.views.ts';
import { prettyPhone } from '../../lib/format.ts';
import type { FactorPlace } from '../mfa/mfa.views.ts';
import type { SupportSession } from './support-sessions.service.ts';
import { REASON_CATEGORIES } from './support.input.ts';

export const supportFactorPlace = (s: SupportSession): FactorPlace => ({
  brand: SUPPORT_BRAND,
  product: 'Servicio support',
  action: '/support/second-factor',
  signOut: '/support/sign-out',
  home: '/support',
  enrolWhy: 'Servicio support always asks for a second factor: a recovery link can sign someone in without their email or phone.',
  codeFor: `Servicio support (${s.email})`,
});

function supportPage(p: { session: SupportSession; csrf: string; title: string; body: SafeHtml }): string {
  return layout({
    title: `${p.title} · Servicio support`,
    brand: SUPPORT_BRAND,
    wide: true,
    body: html`<nav class="tabs" aria-label="Servicio support"><a href="/support" aria-current="page">Find a client</a></nav>
${p.body}
<form method="post" action="/support/sign-out" class="signout">${csrfField(p.csrf)}<p class="meta">Signed in as ${p.session.name} (Servicio support) · <button type="submit" class="link">Sign out</button></p></form>`,
  });
}

export type FoundClient = Awaited<ReturnType<ClientsService['searchEveryShop']>>['clients'][number];

export function searchPage(p: { session: SupportSession; csrf: string; q: string; rows: FoundClient[]; hasNext: boolean }): string {
  return supportPage({
    ...p,
    title: 'Find a client',
    body: html`<div class="card">
<h1>Find a client</h1>
<p class="lead">Search every shop by the client’s email, phone (any format) or name. What you open is logged.</p>
<form method="get" action="/support" role="search" class="inline">
<label for="q">Email, phone or name <span class="hint" id="q-hint">At least 3 characters — (512) 555-0187 works.</span></label>
<input id="q" name="q" type="search" value="${p.q}" aria-describedby="q-hint" autocomplete="off" autofocus>
<button type="submit">Search</button>
</form>
${
  p.q.trim().length < 3
    ? ''
    : p.rows.length === 0
      ? html`<p class="meta">No client of any shop matches “${p.q}”.</p>`
      : html`<table class="list"><caption class="sr-only">Clients matching ${p.q}</caption>
<thead><tr><th scope="col">Client</th><th scope="col">Shop</th><th scope="col">Last sign-in</th></tr></thead><tbody>
${p.rows.map(
  (r) => html`<tr><td><a href="/support/shops/${r.tenant_id}/clients/${r.id}"><strong>${r.name}</strong></a>${r.status === 'disabled' ? html` <span class="tag void">Disabled</span>` : ''}<small>${r.email ?? ''}${r.email && r.phone ? ' · ' : ''}${prettyPhone(r.phone)}</small></td>
<td>${r.tenant_name}${r.tenant_status === 'disabled' ? html` <span class="tag void">Shop disabled</span>` : ''}</td>
<td>${r.last_sign_in_at ? when(Number(r.last_sign_in_at)) : html`<span class="meta">Never</span>`}</td></tr>`,
)}
</tbody></table>${p.hasNext ? html`<p class="meta">More clients match: type more of the email, phone or name.</p>` : ''}`
}
</div>`,
  });
}

export type RecoveryRow = Awaited<ReturnType<Recovery['forClient']>>[number];

export interface SupportClientData {
  session: SupportSession;
  csrf: string;
  shop: { id: string; name: string; brandColor: string; logoUrl: string | null };
  client: Client;
  emailFacts: ContactFacts;
  phoneFacts: ContactFacts;
  history: MessageHistory[];
  recoveries: RecoveryRow[];
  ttlMinutes: number;
  /** One value per form shown: the same form sent twice (a refresh) issues one link. */
  formNonce: string;
  error?: string;
  values?: { category: string; reason: string; delivery: string };
}

const categoryWords = (c: string) => (REASON_CATEGORIES as Record<string, string>)[c] ?? c;
const recoveryState = (r: RecoveryRow, now: number) => (r.consumed_at !== null ? html`<span class="tag paid">Used ${when(r.consumed_at)}</span>` : r.expires_at <= now ? html`<span class="tag void">Expired unused</span>` : html`<span class="tag sent">Open until ${when(r.expires_at)}</span>`);

export function supportClientPage(p: SupportClientData, now: number): string {
  const c = p.client;
  const v = p.values ?? { category: '', reason: '', delivery: '' };
  const radio = (value: string, label: SafeHtml | string, disabled = false) =>
    html`<label class="choice"><input type="radio" name="delivery" value="${value}"${v.delivery === value ? ' checked' : ''}${disabled ? ' disabled' : ''} required> ${label}</label>`;
  return supportPage({
    ...p,
    title: `${c.name} at ${p.shop.name}`,
    body: html`<p class="meta"><a href="/support">← Find another client</a></p>
<div class="card">
<h1>${c.name}${c.status === 'disabled' ? html` <span class="tag void">Disabled</span>` : ''}</h1>
<p class="lead">Client of <strong>${p.shop.name}</strong>. Read-only: the shop fixes contact details in its console.</p>
<h2>Contact details</h2>
<dl class="details">
<dt>Email</dt><dd>${c.email ?? html`<span class="meta">None on file</span>`}${facts(p.emailFacts)}</dd>
<dt>Mobile number</dt><dd>${c.phone ? prettyPhone(c.phone) : html`<span class="meta">None on file</span>`}${facts(p.phoneFacts)}</dd>
</dl>
</div>
<div class="card">
<h2 id="recovery">Issue a one-time recovery link</h2>
<p>Only when neither the email nor the text reaches ${c.name}. The link signs them in to ${p.shop.name} only, works <strong>once</strong>, for <strong>${p.ttlMinutes} minutes</strong>. Inside they can see and pay; a new email or phone needs a code sent to it. Every contact on file is told, and ${p.shop.name}’s audit log shows your name and the reason.</p>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<form method="post" action="/support/shops/${p.shop.id}/clients/${c.id}/recovery" novalidate>${csrfField(p.csrf)}<input type="hidden" name="nonce" value="${p.formNonce}">
<label for="category">Why does the client need it?</label>
<select id="category" name="category" required><option value="">Choose a reason…</option>${Object.entries(REASON_CATEGORIES).map(([k, label]) => html`<option value="${k}"${v.category === k ? ' selected' : ''}>${label}</option>`)}</select>
<label for="reason">What happened <span class="hint" id="reason-hint">In your words, at least 10 characters — the shop reads this.</span></label>
<textarea id="reason" name="reason" rows="3" maxlength="500" required aria-describedby="reason-hint">${v.reason}</textarea>
<fieldset><legend>How does the client get it?</legend>
${radio('email', c.email ? html`Email it to <strong>${c.email}</strong>` : 'Email (none on file)', !c.email)}
${radio('sms', c.phone ? html`Text it to <strong>${prettyPhone(c.phone)}</strong>` : 'Text (no mobile number on file)', !c.phone)}
${radio('shown', 'Show it to me once, to hand over in this support conversation')}
</fieldset>
<button type="submit">Issue the recovery link</button>
</form>
${
  p.recoveries.length
    ? html`<h3>Recovery links for ${c.name}</h3><table class="list"><thead><tr><th scope="col">Issued</th><th scope="col">By</th><th scope="col">Why</th><th scope="col">State</th></tr></thead><tbody>
${p.recoveries.map((r) => html`<tr><td>${when(r.created_at)}<small>${r.delivery === 'shown' ? 'handed over' : r.delivery === 'sms' ? 'by text' : 'by email'}</small></td><td>${r.agent_name}</td><td>${categoryWords(r.reason_category)}<small>${r.reason_text}</small></td><td>${recoveryState(r, now)}</td></tr>`)}
</tbody></table>`
    : ''
}
</div>
<div class="card">
<h2>Messages</h2>
${messagesTable(c.name, p.history)}
</div>`,
  });
}

/** The answer to "Issue": the link itself only when it is to be handed over — on this page, once. */
export function issuedPage(p: { session: SupportSession; csrf: string; shopName: string; clientName: string; back: string; link: string | null; sentTo: string | null; expiresAt: number }): string {
  return supportPage({
    ...p,
    title: 'Recovery link issued',
    body: html`<div class="card">
<h1>Recovery link issued</h1>
${
  p.link
    ? html`<div class="alert info" role="status"><strong>Shown once.</strong> Copy it into the support conversation with ${p.clientName} now: this page is the only place it appears, and it will never be shown again.</div>
<label for="link">Recovery link for ${p.clientName} (${p.shopName})</label>
<input id="link" type="text" readonly value="${p.link}" class="mono">`
    : html`<div class="alert ok" role="status">Sent to ${p.sentTo}. Ask ${p.clientName} to open the newest message.</div>`
}
<p>It works once, until ${when(p.expiresAt)}. Every email and phone number on file has been told, and ${p.shopName}’s audit log shows your name and reason.</p>
<a class="button secondary" href="${p.back}">Back to ${p.clientName}</a>
</div>`,
  });
}

/** What anyone opening /r/:token sees first (people, mail scanners and link previews alike). */
export function recoveryContinuePage(p: { tr: PageTr; token: string; csrf: string; shop: Brand; signedIn?: { clientName: string; shopName: string } | null; error?: string }): string {
  const { tr } = p;
  return layout({
    tr,
    title: tr.t('portal:recovery.title'),
    brand: p.shop,
    body: html`<div class="card">
<h1>${tr.t('portal:recovery.h1', { shop: p.shop.name })}</h1>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<p class="lead">${tr.t('portal:recovery.lead')}</p>
${p.signedIn ? html`<div class="alert info" role="note">${tr.t('portal:recovery.signedIn', { shop: p.signedIn.shopName, name: p.signedIn.clientName })}</div>` : ''}
<form method="post" action="/r/${p.token}">${csrfField(p.csrf)}<button type="submit">${tr.t('portal:recovery.continue')}</button></form>
<p class="meta">${tr.t('portal:recovery.notYou', { shop: p.shop.name })}</p>
</div>`,
  });
}

export function recoveryInvalidPage(tr: PageTr, shop?: Brand & { slug: string }): string {
  return layout({
    tr,
    ...(shop ? { brand: shop } : {}),
    title: tr.t('portal:recovery.invalidTitle'),
    body: html`<div class="card"><h1>${tr.t('portal:recovery.invalidH1')}</h1>
<p>${tr.t('portal:recovery.invalidBody')}</p>
<a class="button" href="${shop ? `/c/${shop.slug}` : '/client-login'}">${tr.t('portal:recovery.signIn')}</a></div>`,
  });
}
