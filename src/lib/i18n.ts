// Languages. Every sentence a homeowner reads lives in one catalog per language
// (src/locales/<lang>/<namespace>.json), read by i18next; this file loads them once, picks a
// language for a request, and formats dates, money and phone numbers with Intl for it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type TFunction } from 'i18next';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { escapeHtml, raw, type SafeHtml } from './html.ts';

export const LOCALES = ['en', 'es'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';
/** Each language's own name, for the switch on every page. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };
/** The region Intl formats for: our shops are in the United States ("$265.00" in both languages). */
export const INTL_TAG: Record<Locale, string> = { en: 'en-US', es: 'es-US' };

export const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

const catalogDir = join(import.meta.dirname, '..', 'locales');
/** The catalogs as files hold them: language → namespace → nested keys. */
export function loadCatalogs(): Record<Locale, Record<string, Record<string, unknown>>> {
  const out = {} as Record<Locale, Record<string, Record<string, unknown>>>;
  for (const lng of LOCALES) {
    out[lng] = {};
    for (const f of readdirSync(join(catalogDir, lng)).filter((n) => n.endsWith('.json'))) {
      out[lng][f.slice(0, -5)] = JSON.parse(readFileSync(join(catalogDir, lng, f), 'utf8')) as Record<string, unknown>;
    }
  }
  return out;
}

const catalogs = loadCatalogs();
const i18n = i18next.createInstance();
void i18n.init({
  resources: catalogs,
  lng: DEFAULT_LOCALE,
  fallbackLng: DEFAULT_LOCALE,
  supportedLngs: [...LOCALES],
  ns: Object.keys(catalogs.en),
  defaultNS: 'common',
  initAsync: false,
  returnNull: false,
  // Pages escape what they interpolate themselves (lib/html.ts); `h` below escapes for markup.
  interpolation: { escapeValue: false },
  showSupportNotice: false,
} as Parameters<typeof i18n.init>[0]);

type Vars = Record<string, unknown>;

/** One language's words and formats: what every view and message template is given. */
export interface Tr {
  readonly locale: Locale;
  /** A sentence as text. Keys are `namespace:path`, e.g. `login:check.title`. */
  t(key: string, vars?: Vars): string;
  /** A sentence whose catalog text carries markup (<strong>, <a>): the variables are escaped. */
  h(key: string, vars?: Vars): SafeHtml;
  /** Whether the catalog words this key — with `vars`, in its plural or context form if it has only those. */
  has(key: string, vars?: Vars): boolean;
  /** Integer cents: 26500, 'USD' → "$265.00". */
  money(cents: number, currency: string): string;
  /** A calendar date (YYYY-MM-DD), never shifted by time zones: "November 25, 2026" / "25 de noviembre de 2026". */
  date(isoDate: string): string;
  /** An instant's calendar date, in UTC. */
  dateOf(epochMs: number): string;
  /** "Greenway Lawn Care and BlueWave Pool" / "… y …". */
  list(items: string[]): string;
}

const cache = new Map<Locale, Tr>();
const MARKER = /\u0001(\w+)\u0001/g;

export function translator(locale: Locale): Tr {
  const hit = cache.get(locale);
  if (hit) return hit;
  const fixed: TFunction = i18n.getFixedT(locale);
  const tag = INTL_TAG[locale];
  const moneyFormats = new Map<string, Intl.NumberFormat>();
  const dates = new Intl.DateTimeFormat(tag, { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
  const lists = new Intl.ListFormat(tag, { style: 'long', type: 'conjunction' });
  // i18next resolves a key (language, context, plural form) and interpolates in about 10 µs; a page
  // asks for dozens. So each resolution is asked of i18next once — with markers in place of the
  // variables — and kept as a template; later calls only fill the markers in (about 0.3 µs).
  const plural = new Intl.PluralRules(tag);
  const templates = new Map<string, string>();
  const t = (key: string, vars?: Vars): string => {
    const names = vars ? Object.keys(vars).filter((n) => n !== 'context') : [];
    const context = vars?.context;
    const count = vars?.count;
    const id = `${key}\u0002${typeof context === 'string' ? context : ''}\u0002${typeof count === 'number' ? plural.select(count) : ''}\u0002${names.join(',')}`;
    let template = templates.get(id);
    if (template === undefined) {
      const replace = Object.fromEntries(names.map((n) => [n, `\u0001${n}\u0001`]));
      template = fixed(key, { ...(typeof context === 'string' ? { context } : {}), ...(count !== undefined ? { count } : {}), replace } as never) as unknown as string;
      templates.set(id, template);
    }
    return names.length ? template.replace(MARKER, (_, n: string) => String(vars![n])) : template;
  };
  const tr: Tr = {
    locale,
    t,
    h(key, vars) {
      const escaped: Vars = {};
      for (const [k, v] of Object.entries(vars ?? {})) escaped[k] = typeof v === 'string' ? escapeHtml(v) : v;
      return raw(t(key, escaped));
    },
    has: (key, vars) => i18n.exists(key, { lng: locale, ...(typeof vars?.context === 'string' ? { context: vars.context } : {}), ...(vars?.count !== undefined ? { count: vars.count } : {}) } as never),
    money(cents, currency) {
      let f = moneyFormats.get(currency);
      if (!f) moneyFormats.set(currency, (f = new Intl.NumberFormat(tag, { style: 'currency', currency })));
      return f.format(cents / 100);
    },
    date: (isoDate) => dates.format(new Date(`${isoDate}T12:00:00Z`)),
    dateOf: (ms) => dates.format(new Date(ms)),
    list: (items) => lists.format(items),
  };
  cache.set(locale, tr);
  return tr;
}

/** The best of our languages for an Accept-Language header ("es-MX,es;q=0.9,en;q=0.8" → es). */
export function negotiate(header: string | undefined): Locale | null {
  if (!header) return null;
  let best: { locale: Locale; q: number } | null = null;
  for (const part of header.split(',').slice(0, 20)) {
    const [tag, ...params] = part.trim().split(';');
    const base = tag!.trim().toLowerCase().split('-')[0];
    if (!isLocale(base)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    if (!best || q > best.q) best = { locale: base, q };
  }
  return best?.locale ?? null;
}

/** A phone number as people write it: "(512) 555-0187" for North America, "+44 20 7946 0958" elsewhere. */
export function phoneForPeople(e164: string | null | undefined): string {
  if (!e164) return '';
  let shown = phones.get(e164);
  if (shown === undefined) {
    // Parsing costs ~13 µs and every portal page shows the shop's number: keep the last few hundred.
    const n = parsePhoneNumberFromString(e164);
    shown = !n ? e164 : n.countryCallingCode === '1' ? n.formatNational() : n.formatInternational();
    if (phones.size >= 500) phones.delete(phones.keys().next().value!);
    phones.set(e164, shown);
  }
  return shown;
}
const phones = new Map<string, string>();
