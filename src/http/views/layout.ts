import { DEFAULT_BRAND_COLOR, safeColor } from '../../lib/color.ts';
import { html, type SafeHtml } from '../../lib/html.ts';
import { cssPath } from './assets.ts';

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

/** The page shell: branded for one shop when we know it, neutral otherwise. */
export function layout(p: { title: string; body: SafeHtml; brand?: Brand; wide?: boolean; moreColors?: string[] }): string {
  const brand = p.brand ?? { name: 'Servicio client portal', brandColor: DEFAULT_BRAND_COLOR };
  const colors = [...new Set([brand.brandColor, ...(p.moreColors ?? [])].map((c) => safeColor(c).slice(1)))].slice(0, 10);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>${p.title} · ${brand.name}</title>
<link rel="stylesheet" href="${cssPath}">
<link rel="stylesheet" href="/theme/${colors.join('-')}.css">
</head>
<body class="${themeClass(brand.brandColor)}">
<div class="brandbar"></div>
<main class="wrap${p.wide ? ' wide' : ''}" id="main">
<header class="site">${brandMark(brand)}<span class="name">${brand.name}</span></header>
${p.body}
<p class="foot">Secure sign-in by Servicio · no password needed</p>
</main>
</body>
</html>`.value;
}

/** A hidden CSRF field for every form. */
export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;
