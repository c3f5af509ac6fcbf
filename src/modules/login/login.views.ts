import { html } from '../../lib/html.ts';
import { brandMark, csrfField, layout, themeClass, type Brand } from '../../http/views/layout.ts';
import { PATHS, type AudiencePaths } from './login.paths.ts';
import type { Audience } from './login.service.ts';

/** The console's own look before a shop is known. */
export const CONSOLE_BRAND: Brand = { name: 'Servicio shop console', brandColor: '#334155' };
/** Servicio support's own look (Servicio's staff, not any shop's). */
export const SUPPORT_BRAND: Brand = { name: 'Servicio support', brandColor: '#7c2d12' };

/** The sign-in page's words for each audience. */
const SIGN_IN_WORDS = {
  client: { title: 'Sign in', h1: 'Sign in to your portal', lead: 'Pay invoices and read service reports. No password — we’ll send you a one-tap link.', label: 'Email or mobile number', hint: 'The one your service provider has on file.', brand: undefined },
  staff: { title: 'Shop console sign-in', h1: 'Sign in to the shop console', lead: 'For shop owners and staff: see why a client can’t sign in and fix it. No password — we’ll email you a one-tap link.', label: 'Work email', hint: 'The email your shop added you with.', brand: CONSOLE_BRAND },
  support: { title: 'Support sign-in', h1: 'Sign in to Servicio support', lead: 'For Servicio’s support agents. We’ll email you a one-tap link; then your authenticator app’s code.', label: 'Work email', hint: 'Your Servicio support email.', brand: SUPPORT_BRAND },
} as const;

const fieldError = (id: string, error?: string) => (error ? html`<p class="error" id="${id}-error" role="alert">${error}</p>` : '');

export function loginPage(p: { csrf: string; value?: string; error?: string; notice?: string; paths?: AudiencePaths }): string {
  const invalid = !!p.error;
  const paths = p.paths ?? PATHS.client;
  const w = SIGN_IN_WORDS[paths.audience];
  return layout({
    title: w.title,
    ...(w.brand ? { brand: w.brand } : {}),
    body: html`<div class="card">
<h1>${w.h1}</h1>
<p class="lead">${w.lead}</p>
${p.notice ? html`<div class="alert ok" role="status">${p.notice}</div>` : ''}
<form method="post" action="${paths.signIn}" novalidate>
${csrfField(p.csrf)}
<label for="identifier">${w.label}
<span class="hint" id="identifier-hint">${w.hint}</span></label>
<input id="identifier" name="identifier" type="text" inputmode="email" autocomplete="username" autocapitalize="none" spellcheck="false"
 required maxlength="254" value="${p.value ?? ''}" aria-describedby="identifier-hint${invalid ? ' identifier-error' : ''}"${invalid ? html` aria-invalid="true" autofocus` : ''}>
${fieldError('identifier', p.error)}
<button type="submit">Send my sign-in link</button>
</form>
</div>`,
  });
}

export function checkPage(p: {
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
}): string {
  const paths = PATHS[p.audience ?? 'client'];
  const byText = p.channel === 'sms';
  const where = byText ? 'phone' : 'email';
  const own = (p.kind === 'phone') === byText;
  // The same words for every identifier: nothing here says whether anything is on file.
  const lead = own
    ? html`If <strong>${p.masked}</strong> is on file with a Servicio shop, a sign-in link is on its way${byText ? ' by text message' : ''}. Tap it to open your portal.`
    : html`If ${byText ? 'a mobile number' : 'an email address'} is on file for <strong>${p.masked}</strong>, we’ve ${byText ? 'texted' : 'emailed'} it a sign-in link. Tap it to open your portal.`;
  const offer = p.offer === 'sms' ? 'Text me instead' : 'Email me instead';
  return layout({
    title: `Check your ${where}`,
    body: html`<div class="card">
<h1>Check your ${where}</h1>
<p class="lead" role="status">${lead}</p>
<p class="meta">It can take a minute to arrive. The link works once and expires in ${p.minutes} minutes.</p>
${p.notice ? html`<div class="alert info" role="alert">${p.notice}</div>` : ''}
${
  p.locked
    ? html`<div class="alert err" role="alert">${p.error ?? ''}</div><a class="button" href="${paths.signIn}">Send me a new link</a>`
    : html`<div class="divider">or type the code from the message</div>
<form method="post" action="${paths.code}" novalidate>
${csrfField(p.csrf)}
<label for="code">6-digit code</label>
<input id="code" name="code" class="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="9" required
 ${p.error ? html`aria-invalid="true" aria-describedby="code-error" autofocus` : ''}>
${fieldError('code', p.error)}
<button type="submit">Sign in</button>
</form>
${paths.otherChannel ? html`<h2 class="small">Nothing arrived?</h2>
<p class="meta">Check your spam folder. Or we can send the link to the ${p.offer === 'sms' ? 'mobile number' : 'email address'} your service provider has on file for you.</p>
<form method="post" action="${paths.otherChannel}">
${csrfField(p.csrf)}
<button type="submit" class="secondary">${offer}</button>
</form>` : html`<p class="meta spaced">Nothing arrived? Check your spam folder.</p>`}`
}
<p class="meta spaced"><a href="${paths.signIn}">Start again with a different email${paths.otherChannel ? ' or number' : ''}</a></p>
</div>`,
  });
}

export function linkInvalidPage(): string {
  return layout({
    title: 'Link expired',
    body: html`<div class="card">
<h1>This link has expired</h1>
<p>Sign-in links work once and only for a short time. This one has been used, has expired, or was replaced by a newer one.</p>
<p class="lead">Request a new link — it only takes a moment.</p>
<a class="button" href="/client-login">Send me a new link</a>
</div>`,
  });
}

export function continuePage(p: { token: string; csrf: string; shops: Brand[]; error?: string }): string {
  const one = p.shops.length === 1 ? p.shops[0] : undefined;
  const names = p.shops.map((s) => s.name);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? 'your portal');
  return layout({
    title: 'Continue to sign in',
    ...(one ? { brand: one } : {}),
    body: html`<div class="card">
<h1>Sign in to ${one ? one.name : 'your portal'}</h1>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
${
  one
    ? ''
    : html`<p>You’re a client of <strong>${list}</strong>; you’ll choose which portal to open next.</p>
<ul class="shops plain">${p.shops.map((s) => html`<li>${brandMark(s)}<span>${s.name}</span></li>`)}</ul>`
}
<p class="lead">Tap continue to finish signing in on this device.</p>
<form method="post" action="/l/${p.token}">
${csrfField(p.csrf)}
<button type="submit">Continue</button>
</form>
</div>`,
  });
}

export function pickPage(p: { csrf: string; shops: (Brand & { tenantId: string; clientName: string; role?: string | null })[]; error?: string; paths?: AudiencePaths }): string {
  const paths = p.paths ?? PATHS.client;
  return layout({
    moreColors: p.shops.map((s) => s.brandColor),
    title: 'Choose a shop',
    body: html`<div class="card">
<h1>${paths.audience === 'staff' ? 'Which shop?' : 'Which portal?'}</h1>
<p class="lead">${paths.audience === 'staff' ? 'You work with more than one shop. Choose whose console to open — to switch later, sign in again.' : 'You’re a client of more than one shop. Choose where to go — to switch later, sign in again.'}</p>
${p.error ? html`<div class="alert err" role="alert">${p.error}</div>` : ''}
<form method="post" action="${paths.pick}">
${csrfField(p.csrf)}
<ul class="shops">
${p.shops.map(
  (s) => html`<li><button type="submit" name="tenant" value="${s.tenantId}" class="${themeClass(s.brandColor)}">${brandMark(s)}<span>${s.name}<small>as ${s.clientName}${s.role ? ` (${s.role})` : ''}</small></span></button></li>`,
)}
</ul>
</form>
</div>`,
  });
}
