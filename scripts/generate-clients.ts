// The million-client data set, reproducibly: `npx tsx scripts/generate-clients.ts --shops 10000
// --clients 1000000` loads it into the configured store (DATABASE_URL, like the server), creating
// the shops (gen-00001 …) and importing each one's clients through the same import service as
// `servicio client import`; with --out DIR it writes the import files instead (DIR/shops.csv and
// DIR/<slug>.csv per shop, or .jsonl with --format jsonl). The same --seed gives the same data,
// so running it again changes nothing.
//
// Only reserved example data: emails at example.com/.net/.org (RFC 2606), phones 555-0100 …
// 555-0199 in real area codes (the numbers set aside for fiction; the delivery worker never sends
// to either). Fictional numbers are few (100 per area code), so a number is unique within a shop
// but the same number appears in many shops, for different people.
//
// Shop sizes are skewed like real life (log-normal: most shops have a few dozen clients, a few have
// thousands); about 8% of clients are a person already on file at an earlier shop (same name and
// email).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { loadConfig } from '../src/config.ts';
import { compose } from '../src/compose.ts';
import { progressBar } from '../src/lib/progress.ts';
import { resolveAppSecret } from '../src/secret.ts';

const USAGE = `Usage: npx tsx scripts/generate-clients.ts [--shops 10000] [--clients 1000000] [--seed 1] [--prefix gen]
       [--out DIR [--format csv|jsonl]]

Without --out: creates the shops and imports their clients into the store DATABASE_URL names
(migrated first). With --out: writes DIR/shops.csv and one import file per shop instead.`;

const { values: v } = parseArgs({
  options: {
    shops: { type: 'string', default: '10000' },
    clients: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    prefix: { type: 'string', default: 'gen' },
    out: { type: 'string' },
    format: { type: 'string', default: 'csv' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (v.help) {
  console.log(USAGE);
  process.exit(0);
}
const shops = Number(v.shops);
const clients = Number(v.clients);
const seed = Number(v.seed);
if (!Number.isInteger(shops) || shops < 1 || !Number.isInteger(clients) || clients < 0 || !Number.isInteger(seed) || !/^[a-z][a-z0-9-]{0,20}$/.test(v.prefix) || (v.format !== 'csv' && v.format !== 'jsonl')) {
  console.error(USAGE);
  process.exit(2);
}

/** mulberry32: a small seeded generator, the same numbers for the same seed everywhere. */
function random(s: number) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** A number in [0, 1) fixed by (seed, n): the same person gets the same name in every shop. */
const hashed = (n: number, salt: number) => random(seed * 1_000_003 + n * 7919 + salt)();

const GIVEN_EN = ['Lee', 'Sam', 'Jordan', 'Avery', 'Riley', 'Morgan', 'Casey', 'Quinn', 'Taylor', 'Jamie', 'Robin', 'Drew', 'Harper', 'Emerson', 'Rowan', 'Parker', 'Reese', 'Blake', 'Cameron', 'Dana'];
const FAMILY_EN = ['Park', 'Carter', 'Nguyen', 'Okafor', 'Schmidt', 'Walsh', 'Patel', 'Kim', 'Brooks', 'Foster', 'Hayes', 'Jensen', 'Lin', 'Moreau', 'Novak', 'Quist', 'Reyes', 'Sato', 'Tran', 'Young'];
const GIVEN_ES = ['Lucía', 'María', 'José', 'Andrés', 'Sofía', 'Martín', 'Valentina', 'Diego', 'Camila', 'Mateo', 'Ximena', 'Julián', 'Renata', 'Tomás', 'Inés', 'Joaquín'];
const FAMILY_ES = ['Hernández', 'López', 'García', 'Martínez', 'Rodríguez', 'Pérez', 'Sánchez', 'Ramírez', 'Torres', 'Flores', 'Gómez', 'Díaz', 'Morales', 'Ortiz', 'Núñez', 'Castillo'];
const DOMAINS = ['example.com', 'example.net', 'example.org'];
const TRADES = ['Pest Control', 'Lawn Care', 'Pool Service', 'Plumbing', 'HVAC', 'Window Cleaning', 'Roofing', 'Handyman', 'Landscaping', 'Electric'];
const WORDS = ['Sunny', 'Green Valley', 'Blue Ridge', 'Oak Street', 'Lakeside', 'Hill Country', 'Pine Grove', 'Riverbend', 'Cedar', 'Maple'];

const pick = <T>(list: readonly T[], x: number): T => list[Math.floor(x * list.length)]!;
const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/** Area codes in which 555-0100 … 555-0199 are valid numbers (those set aside for fiction). */
const AREA_CODES = Array.from({ length: 800 }, (_, i) => 200 + i).filter((ac) => ['0100', '0199'].every((n) => parsePhoneNumberFromString(`+1${ac}555${n}`)?.isValid()));
const PHONES_PER_SHOP = AREA_CODES.length * 100;

function person(p: number) {
  const spanish = hashed(p, 1) < 0.3;
  const given = pick(spanish ? GIVEN_ES : GIVEN_EN, hashed(p, 2));
  const family = pick(spanish ? FAMILY_ES : FAMILY_EN, hashed(p, 3));
  const lang = hashed(p, 4);
  return {
    name: `${given} ${family}`,
    email: `${ascii(given)}.${ascii(family)}.${p}@${pick(DOMAINS, hashed(p, 5))}`,
    locale: spanish ? (lang < 0.5 ? 'es' : '') : lang < 0.1 ? 'en' : '',
  };
}

/** Shop sizes: log-normal weights, rounded so they add up to exactly `clients`. */
function shopSizes(): number[] {
  const r = random(seed);
  const w = Array.from({ length: shops }, () => Math.exp(Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
  const sum = w.reduce((a, b) => a + b, 0);
  const exact = w.map((x) => (x / sum) * clients);
  const sizes = exact.map(Math.floor);
  let left = clients - sizes.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break;
    sizes[i]!++;
  }
  return sizes;
}

const slugOf = (i: number) => `${v.prefix}-${String(i + 1).padStart(5, '0')}`;
const shopName = (i: number) => `${pick(WORDS, hashed(i, 11))} ${pick(TRADES, hashed(i, 12))} ${i + 1}`;

/** One shop's clients as import rows: [externalId, name, email, phone, locale]. */
function shopRows(shop: number, size: number, firstGlobal: number): string[][] {
  const rows: string[][] = [];
  const people = new Set<number>();
  for (let k = 0; k < size; k++) {
    const g = firstGlobal + k;
    // About 8% are people who are already clients of an earlier shop.
    let p = g;
    if (firstGlobal > 0 && hashed(g, 21) < 0.08) {
      const earlier = Math.floor(hashed(g, 22) * firstGlobal);
      if (!people.has(earlier)) p = earlier;
    }
    people.add(p);
    const who = person(p);
    const kind = hashed(g, 23); // 60% email and phone, 25% email only, 15% phone only
    const phone = kind < 0.6 || kind >= 0.85 ? (k < PHONES_PER_SHOP ? `+1 ${AREA_CODES[(shop + Math.floor(k / 100)) % AREA_CODES.length]} 555 ${String(100 + (k % 100)).padStart(4, '0')}` : '') : '';
    const email = kind < 0.85 || !phone ? who.email : '';
    rows.push([`C-${String(k + 1).padStart(6, '0')}`, who.name, email, phone, who.locale]);
  }
  return rows;
}

const HEADER = ['externalId', 'name', 'email', 'phone', 'locale'];
/** Plain RFC 4180 (lib/csv.ts's toCsv would put an apostrophe before "+1 …", as spreadsheets need). */
const csv = (rows: string[][]) => rows.map((r) => r.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n') + '\r\n';
const fileOf = (rows: string[][]) =>
  v.format === 'csv' ? csv([HEADER, ...rows]) : rows.map((r) => JSON.stringify(Object.fromEntries(HEADER.map((h, i) => [h, r[i] || undefined])))).join('\n') + '\n';

const sizes = shopSizes();
const started = performance.now();
const bar = process.stderr.isTTY ? progressBar(process.stderr, { total: clients, unit: 'clients' }) : undefined;
let done = 0;

if (v.out) {
  mkdirSync(v.out, { recursive: true });
  writeFileSync(join(v.out, 'shops.csv'), csv([['slug', 'name'], ...sizes.map((_, i) => [slugOf(i), shopName(i)])]));
  let g = 0;
  for (let i = 0; i < shops; i++) {
    writeFileSync(join(v.out, `${slugOf(i)}.${v.format}`), fileOf(shopRows(i, sizes[i]!, g)));
    g += sizes[i]!;
    bar?.update((done = g));
  }
  bar?.finish(done);
  console.log(`Wrote ${shops.toLocaleString('en-US')} shop${shops === 1 ? '' : 's'} and ${clients.toLocaleString('en-US')} clients to ${v.out} in ${((performance.now() - started) / 1000).toFixed(1)}s.`);
  console.log(`Import one: npx servicio tenant create --name "…" --slug ${slugOf(0)} && npx servicio client import --tenant ${slugOf(0)} ${join(v.out, `${slugOf(0)}.${v.format}`)}`);
} else {
  const config = loadConfig();
  const system = await compose({ ...config, appSecret: resolveAppSecret(config) });
  const { tenants, clientImport } = system.services;
  const totals = { shopsCreated: 0, created: 0, updated: 0, unchanged: 0, refused: 0 };
  try {
    const existing = new Map((await tenants.list()).map((t) => [t.slug, t.id]));
    let g = 0;
    for (let i = 0; i < shops; i++) {
      let id = existing.get(slugOf(i));
      if (!id) {
        id = (await tenants.create({ name: shopName(i), slug: slugOf(i) })).id;
        totals.shopsCreated++;
      }
      const rows = shopRows(i, sizes[i]!, g);
      g += sizes[i]!;
      if (rows.length) {
        const r = await clientImport.run(id, [fileOf(rows)], { format: v.format as 'csv' | 'jsonl' });
        totals.created += r.created;
        totals.updated += r.updated;
        totals.unchanged += r.unchanged;
        totals.refused += r.refused.length;
        if (r.refused.length) console.error(`${slugOf(i)}: ${r.refused.slice(0, 3).map((x) => `line ${x.line}: ${x.reason}`).join('; ')}`);
      }
      bar?.update((done = g));
    }
    bar?.finish(done);
    // Each shop's import is small, so none refreshed PostgreSQL's statistics (see import.service.ts);
    // the whole set does, as autovacuum would once it came round.
    if (config.database.kind === 'postgres') await sql`ANALYZE clients, tenants`.execute(system.db);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${config.database.kind}: ${shops.toLocaleString('en-US')} shops (${totals.shopsCreated.toLocaleString('en-US')} new), clients created ${totals.created.toLocaleString('en-US')}, updated ${totals.updated.toLocaleString('en-US')}, unchanged ${totals.unchanged.toLocaleString('en-US')}, refused ${totals.refused} — ${seconds.toFixed(1)}s (${Math.round(clients / seconds).toLocaleString('en-US')} clients/s).`,
    );
  } finally {
    await system.close();
  }
}
