// The catalogs: the same keys and placeholders in every language, every key the code uses exists,
// and the homeowner's views write no sentence of their own.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { loadCatalogs, LOCALES, negotiate, phoneForPeople, translator } from './i18n.ts';

const catalogs = loadCatalogs();
function flatten(o: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string') out[prefix + k] = v;
    else Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
  }
  return out;
}
const flat = Object.fromEntries(LOCALES.map((l) => [l, Object.fromEntries(Object.entries(catalogs[l]).flatMap(([ns, tree]) => Object.entries(flatten(tree)).map(([k, v]) => [`${ns}:${k}`, v])))])) as Record<(typeof LOCALES)[number], Record<string, string>>;
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
const markup = (s: string) => [...s.matchAll(/<\/?([a-z]+)/g)].map((m) => m[1]).sort();

const src = join(import.meta.dirname, '..');
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));

describe('message catalogs', () => {
  it('every language has exactly the keys of English, with the same placeholders and markup', () => {
    const en = flat.en;
    for (const l of LOCALES) {
      expect(Object.keys(flat[l]).sort(), `keys of ${l}`).toEqual(Object.keys(en).sort());
      for (const [k, v] of Object.entries(flat[l])) {
        expect(placeholders(v), `${l} ${k}`).toEqual(placeholders(en[k]!));
        expect(markup(v), `${l} ${k}`).toEqual(markup(en[k]!));
        expect(v.trim(), `${l} ${k} is empty`).not.toBe('');
      }
    }
    expect(Object.keys(en).length).toBeGreaterThan(150);
  });

  it('every key the code asks for exists (a key, or its plural or context forms)', () => {
    const missing: string[] = [];
    for (const file of files(src)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:t|h|has)\('([a-z]+:[A-Za-z0-9_.]+)'/g)) {
        const key = m[1]!;
        if (!(key in flat.en) && !Object.keys(flat.en).some((k) => k.startsWith(`${key}_`))) missing.push(`${file.slice(src.length)}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the homeowner’s views write no words of their own: every sentence is in a catalog', () => {
    const views = ['http/views/pages.ts', 'http/views/layout.ts', 'modules/login/login.views.ts', 'modules/portal/portal.views.ts'];
    const inline: string[] = [];
    for (const v of views) {
      const code = readFileSync(join(src, v), 'utf8');
      // Text between two tags that is not an interpolation: what a reader would see as written here.
      for (const m of code.matchAll(/>([^<>`${}]*[A-Za-z]{2,}[^<>`${}]*)</g)) inline.push(`${v}: ${m[1]!.trim()}`);
    }
    expect(inline).toEqual([]);
  });

  it('the kept templates say exactly what i18next says, for every key, context and plural form', async () => {
    const raw = i18next.createInstance();
    await raw.init({ resources: catalogs, lng: 'en', fallbackLng: 'en', ns: Object.keys(catalogs.en), defaultNS: 'common', interpolation: { escapeValue: false }, showSupportNotice: false } as Parameters<typeof raw.init>[0]);
    for (const l of LOCALES) {
      const tr = translator(l);
      const fixed = raw.getFixedT(l);
      for (const [full, text] of Object.entries(flat[l])) {
        const m = /^(.*?)(?:_(one|other|many))?$/.exec(full)!;
        const base = m[1]!.replace(/_(email|phone|sms|invoice|report|page|void|paying|why)$/, '');
        const context = m[1] !== base ? m[1]!.slice(base.length + 1) : undefined;
        const vars: Record<string, unknown> = Object.fromEntries(placeholders(text).map((n) => [n, `<${n}>`]));
        for (const count of m[2] ? [0, 1, 2, 7] : [undefined]) {
          const v = { ...vars, ...(context ? { context } : {}), ...(count !== undefined ? { count } : {}) };
          expect(tr.t(base, v), `${l} ${full} ${JSON.stringify(v)}`).toBe(fixed(base, v as never) as unknown as string);
          expect(tr.t(base, v), 'second call, from the kept template').toBe(fixed(base, v as never) as unknown as string);
        }
      }
    }
  });

  it('formats money, dates, lists and phone numbers for the language', () => {
    const es = translator('es');
    const en = translator('en');
    expect(en.money(123456, 'USD')).toBe('$1,234.56');
    expect(es.money(123456, 'USD')).toBe('$1,234.56');
    expect(en.date('2026-11-25')).toBe('November 25, 2026');
    expect(es.date('2026-11-25')).toBe('25 de noviembre de 2026');
    expect(en.list(['Greenway Lawn Care', 'BlueWave Pool Service'])).toBe('Greenway Lawn Care and BlueWave Pool Service');
    expect(es.list(['Greenway Lawn Care', 'BlueWave Pool Service'])).toBe('Greenway Lawn Care y BlueWave Pool Service');
    expect(phoneForPeople('+15125550187')).toBe('(512) 555-0187');
    expect(phoneForPeople('+442079460958')).toBe('+44 20 7946 0958');
    expect(es.t('common:tooMany.body', { count: 1 })).toContain('1 minuto ');
    expect(es.t('common:tooMany.body', { count: 2 })).toContain('2 minutos');
  });

  it('picks a language from Accept-Language by quality, ignoring ones we do not have', () => {
    expect(negotiate('es-MX,es;q=0.9,en;q=0.8')).toBe('es');
    expect(negotiate('en-GB,es;q=0.3')).toBe('en');
    expect(negotiate('fr-FR,de;q=0.9')).toBeNull();
    expect(negotiate('fr, es;q=0.4, en;q=0.9')).toBe('en');
    expect(negotiate('es;q=0')).toBeNull();
    expect(negotiate(undefined)).toBeNull();
  });
});
