import { DEFAULT_BRAND_COLOR, safeColor } from '../../lib/color.ts';
import { html, type SafeHtml } from '../../lib/html.ts';
import { LOCALE_NAMES, LOCALES, translator } from '../../lib/i18n.ts';
import type { PageTr } from '../i18n.ts';
import { cssPath, jsPath } from './assets.ts';

export interface Brand {
  name: string;
  brandColor: string;
  logoUrl?: string | null;
}

const initial = (name: string) => (name.trim()[0] ?? '?').toUpperCase();

export function brandMark(b: Brand): SafeHtml {
  return b.logoUrl ? html`<img src="${b.logoUrl}" alt="">` : html`<span class="mark" aria-hidden="true">${initial(b.name)}</span>`;
}

/** The class that gives an element a shop's colour (from the /theme stylesheet the page links). */
export const themeClass = (color: string) => `t-${safeColor(color).slice(1)}`;

/** The switch on every homeowner page: each language named in itself, the current one marked. */
function languageSwitch(tr: PageTr): SafeHtml {
  return html`<nav class="langs" aria-label="${tr.t('common:layout.language')}">${LOCALES.map((l) =>
    l === tr.locale
      ? html`<span aria-current="true" lang="${l}">${LOCALE_NAMES[l]}</span>`
      : html`<a href="${tr.here}?lang=${l}" hreflang="${l}" lang="${l}">${LOCALE_NAMES[l]}</a>`,
  )}</nav>`;
}

/**
 * The page shell: branded for one shop when we know it, neutral otherwise. Homeowner pages pass
 * their `tr` (language, switch); the staff and support consoles are English only and pass none.
 */
export function layout(p: {
  tr?: PageTr;
  title: string;
  body: SafeHtml;
  brand?: Brand;
  wide?: boolean;
  moreColors?: string[];
  /** Inside the portal: the shop's own footer instead of "secure sign-in" words. */
  footer?: SafeHtml;
  /** Beside the brand in the header (the portal's sign-out). */
  headerEnd?: SafeHtml;
}): string {
  const t = p.tr ?? translator('en');
  const brand = p.brand ?? { name: t.t('common:layout.neutralBrand'), brandColor: DEFAULT_BRAND_COLOR };
  const colors = [...new Set([brand.brandColor, ...(p.moreColors ?? [])].map((c) => safeColor(c).slice(1)))].slice(0, 10);
  return html`<!doctype html>
<html lang="${t.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>${p.title} · ${brand.name}</title>
<link rel="stylesheet" href="${cssPath}">
<link rel="stylesheet" href="/theme/${colors.join('-')}.css">
${p.tr ? html`<script src="${jsPath}" defer></script>` : ''}
</head>
<body class="${themeClass(brand.brandColor)}">
<div class="brandbar"></div>
<main class="wrap${p.wide ? ' wide' : ''}" id="main">
<header class="site">${brandMark(brand)}<span class="name">${brand.name}</span>${p.tr || p.headerEnd ? html`<div class="tools">${p.tr ? languageSwitch(p.tr) : ''}${p.headerEnd ?? ''}</div>` : ''}</header>
${p.body}
${p.footer ?? html`<p class="foot">${t.t('common:layout.foot')}</p>`}
</main>
</body>
</html>`.value;
}

/** A hidden CSRF field for every form. */
export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;
