// Pages any route may answer with: the friendly error and the "too many attempts" page.
import { html } from '../../lib/html.ts';
import { layout } from './layout.ts';

export function errorPage(message: string, requestId?: string): string {
  return layout({
    title: 'Something is not right',
    body: html`<div class="card"><h1>Sorry</h1><p>${message}</p>${requestId ? html`<p class="meta">If it keeps happening, tell us this reference: <strong>${requestId}</strong></p>` : ''}<a class="button" href="/client-login">Go to sign-in</a></div>`,
  });
}

export function tooManyPage(retryAfterSec: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSec / 60));
  return layout({
    title: 'Please wait a moment',
    body: html`<div class="card">
<h1>Please wait a moment</h1>
<p>There have been too many sign-in attempts from your network. For your security, please wait about ${minutes} minute${minutes === 1 ? '' : 's'} and try again.</p>
<a class="button secondary" href="/client-login">Back to sign-in</a>
</div>`,
  });
}
