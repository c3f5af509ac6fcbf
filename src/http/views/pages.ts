// Pages any route may answer with: the friendly error and the "too many attempts" page.
import { html } from '../../lib/html.ts';
import type { PageTr } from '../i18n.ts';
import { layout, type Brand } from './layout.ts';

export function errorPage(tr: PageTr, message: string, requestId?: string, brand?: Brand): string {
  return layout({
    tr,
    title: tr.t('common:error.title'),
    ...(brand ? { brand } : {}),
    body: html`<div class="card"><h1>${tr.t('common:error.h1')}</h1><p>${message}</p>${requestId ? html`<p class="meta">${tr.h('common:error.reference', { id: requestId })}</p>` : ''}<a class="button" href="/client-login">${tr.t('common:error.toSignIn')}</a></div>`,
  });
}

export function tooManyPage(tr: PageTr, retryAfterSec: number, brand?: Brand): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSec / 60));
  return layout({
    tr,
    title: tr.t('common:tooMany.title'),
    ...(brand ? { brand } : {}),
    body: html`<div class="card">
<h1>${tr.t('common:tooMany.title')}</h1>
<p>${tr.t('common:tooMany.body', { count: minutes })}</p>
<a class="button secondary" href="/client-login">${tr.t('common:tooMany.back')}</a>
</div>`,
  });
}
