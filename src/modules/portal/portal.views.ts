import { html } from '../../lib/html.ts';
import { csrfField, layout } from '../../http/views/layout.ts';
import type { PortalSession } from '../sessions/sessions.service.ts';

export function portalHome(p: { session: PortalSession; csrf: string }): string {
  const s = p.session;
  const first = s.clientName.split(/\s+/)[0] ?? s.clientName;
  return layout({
    title: 'Your portal',
    brand: s.tenant,
    body: html`<div class="card">
<h1>Hi ${first}</h1>
<p class="lead">You’re signed in to <strong>${s.tenant.name}</strong> as ${s.clientName}.</p>
<h2>Invoices</h2>
<p class="meta">You have no open invoices. When ${s.tenant.name} sends one, it will appear here and you can pay it in a tap.</p>
<h2>Service reports</h2>
<p class="meta">Reports from your visits will appear here.</p>
<form method="post" action="/logout">
${csrfField(p.csrf)}
<button type="submit" class="secondary">Sign out</button>
</form>
<form method="post" action="/logout">
${csrfField(p.csrf)}<input type="hidden" name="everywhere" value="1">
<button type="submit" class="secondary">Sign out on all devices</button>
</form>
</div>`,
  });
}
