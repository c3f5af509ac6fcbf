// `npm run bench:scale`: does the login pipeline slow down when the store is big? Measures ISSUE
// (a login asked for, then the worker's dispatch and delivery, until drained) and VERIFY (a link
// redeemed: consumed, others retired, a session opened) on a store with the 1,000 clients of one
// shop, then loads the million-client data set (scripts/generate-clients.ts: 10,000 shops,
// 1,000,000 clients) into the same store and measures again. Issue 12's goal: both rates stay
// ≥ 0.9 × what they were with 1,000 clients, on both stores.
//
// In process, without HTTP (what the store size can change is the store's work; HTTP, CSRF and
// rendering are the same for any size): rounds of 1,000 logins, 32 at a time, after one warm-up
// round; the median. The two stores are separate (small, and big = the same start + the data set);
// the big one may be kept for the next run, since loading it takes minutes.
//   SCALE_SHOPS (10000), SCALE_CLIENTS (1000000), ROUNDS (9); DATABASE_URL=postgres://… for
//   PostgreSQL (schemas scale_small, scale_big, made afresh each run); SCALE_DIR=… keeps the SQLite
//   stores there, and with SCALE_KEEP=1 the loaded store is kept for the next run (see below).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchStore } from './bench-setup.ts';

const SHOPS = Number(process.env.SCALE_SHOPS ?? 10_000);
const CLIENTS = Number(process.env.SCALE_CLIENTS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const PER_ROUND = 1000; // one login per bench client: redeeming one link retires the person's others
const pg = process.env.DATABASE_URL?.startsWith('postgres');
const dir = process.env.SCALE_DIR ?? mkdtempSync(join(tmpdir(), 'servicio-scale-'));
mkdirSync(dir, { recursive: true });
/** Where each store lives: its DATABASE_URL (and schema, on PostgreSQL). */
const storeOf = (name: 'small' | 'big') => (pg ? { databaseUrl: process.env.DATABASE_URL!, schema: `scale_${name}` } : { databaseUrl: `sqlite:${join(dir, `${name}.db`)}` });
const env = { RATE_LOGIN_PER_IDENTIFIER_15M: '10000', RATE_LOGIN_PER_IDENTIFIER_DAY: '100000', RATE_LOGIN_PER_IP_15M: '100000', RATE_REDEEM_PER_IP_15M: '100000', UNKNOWN_EMAIL_NOTICE: 'false' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function pool(n: number, c: number, f: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => { while (next < n) await f(next++); }));
}
const ctx = (i: number) => ({ ip: `10.1.${(i >> 8) & 255}.${i & 255}`, userAgent: 'bench-scale', locale: 'en' });

type Store = Awaited<ReturnType<typeof benchStore>>;

/** One round of ISSUE (1,000 logins, until the worker has drained) then VERIFY (their links). */
async function round(label: string, { server }: Store) {
  const { services, worker, db } = server;
  while ((await worker.runOnce()) > 0); // whatever a kept store still had queued
  const lastMessage = Number((await db.selectFrom('dev_outbox').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
  let t0 = performance.now();
  await pool(PER_ROUND, 32, async (i) => {
    await services.limits.loginFromIp(ctx(i).ip);
    await services.login.request(`user${i}@bench.test`, ctx(i));
  });
  while ((await worker.runOnce()) > 0);
  const issue = (PER_ROUND * 1000) / (performance.now() - t0);

  const texts = await db.selectFrom('dev_outbox').select('text').where('id', '>', lastMessage).execute();
  const tokens = texts.map((m) => /\/l\/([A-Za-z0-9_-]{48})/.exec(m.text)?.[1]).filter((t): t is string => !!t);
  if (tokens.length !== PER_ROUND) throw new Error(`${label}: expected ${PER_ROUND} links, found ${tokens.length}`);
  let sessions = 0;
  t0 = performance.now();
  await pool(tokens.length, 32, async (i) => {
    await services.limits.redeemFromIp(ctx(i).ip);
    if ((await services.login.redeemLink(tokens[i]!, ctx(i))).kind === 'session') sessions++;
  });
  const verify = (tokens.length * 1000) / (performance.now() - t0);
  if (sessions !== tokens.length) throw new Error(`${label}: ${tokens.length - sessions} links did not sign in`);
  return { issue, verify };
}

async function counts({ server }: Store) {
  const n = async (table: 'clients' | 'tenants') => Number((await server.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { shops: await n('tenants'), clients: await n('clients') };
}

console.log(`bench:scale on ${pg ? 'PostgreSQL' : `SQLite (${dir})`}: ${ROUNDS} rounds × ${PER_ROUND} logins after a warm-up round, 32 at a time`);
async function dropSchema(name: string): Promise<void> {
  const { default: pgLib } = await import('pg');
  const c = new pgLib.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  await c.end();
}
const keep = process.env.SCALE_KEEP === '1';
// Long-lived, as the server runs: SQLite's write-ahead log is checkpointed from a thread.
const open = async (name: 'small' | 'big', reopen = false) => benchStore({ dir, ...storeOf(name), env, reopen, longLived: true });

// The big store: the demo shops, the 1,000 bench clients and the data set loaded into it. Both
// stores start with no logins at all: a store's history (its login, session and audit rows) makes
// each write cost more as it grows, whatever the number of clients, so the two must grow alike.
// With SCALE_KEEP=1 (SQLite) the freshly loaded store is kept as loaded.db and copied for the next
// run, which then skips the minutes of loading.
const loaded = join(dir, 'loaded.db');
if (!pg) for (const f of ['big.db', 'big.db-wal', 'big.db-shm']) rmSync(join(dir, f), { force: true });
if (!pg && keep && existsSync(loaded)) {
  console.log(`using the store loaded by an earlier run (${loaded}, SCALE_KEEP=1)`);
} else {
  if (pg) await dropSchema('scale_big');
  await (await open('big')).server.close();
  console.log(`loading ${CLIENTS.toLocaleString('en')} clients in ${SHOPS.toLocaleString('en')} shops (scripts/generate-clients.ts) …`);
  const t0 = performance.now();
  const big = storeOf('big');
  const gen = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-clients.ts', '--shops', String(SHOPS), '--clients', String(CLIENTS)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NODE_ENV: 'development', DATA_DIR: dir, DATABASE_URL: big.databaseUrl, ...(big.schema ? { DATABASE_SCHEMA: big.schema } : {}), APP_SECRET: 'bench-secret-bench-secret-bench-secret-01', LOG_LEVEL: 'silent' },
  });
  if (gen.status !== 0) throw new Error(`generate-clients exited with ${gen.status}`);
  console.log(`loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (!pg && keep) copyFileSync(join(dir, 'big.db'), loaded);
}
if (!pg && keep) copyFileSync(loaded, join(dir, 'big.db'));
// The small store: the demo shops and the 1,000 bench clients, made afresh.
if (pg) await dropSchema('scale_small');
else rmSync(join(dir, 'small.db'), { force: true });
const stores = { small: await open('small'), big: await open('big', true) };
const sizes = { small: await counts(stores.small), big: await counts(stores.big) };
const label = (k: 'small' | 'big') => `${sizes[k].clients.toLocaleString('en')} clients`.padStart(17);

// Rounds alternate between the stores (and which goes first), so a VM that slows down or speeds up
// during the run moves both alike.
const rates = { small: { issue: [] as number[], verify: [] as number[] }, big: { issue: [] as number[], verify: [] as number[] } };
for (let r = 0; r <= ROUNDS; r++) {
  for (const k of r % 2 ? (['big', 'small'] as const) : (['small', 'big'] as const)) {
    const x = await round(label(k), stores[k]);
    console.log(`  ${label(k)} ${r === 0 ? 'warm-up' : `round ${r}`}: ISSUE ${x.issue.toFixed(0)}/s, VERIFY ${x.verify.toFixed(0)}/s`);
    if (r === 0) continue;
    rates[k].issue.push(x.issue);
    rates[k].verify.push(x.verify);
  }
}
await stores.small.server.close();
await stores.big.server.close();
const before = { issue: median(rates.small.issue), verify: median(rates.small.verify) };
const after = { issue: median(rates.big.issue), verify: median(rates.big.verify) };
const small = sizes.small;
const big = sizes.big;

const row = (name: string, a: number, b: number) => `${name.padEnd(8)} ${a.toFixed(0).padStart(7)}/s  ${b.toFixed(0).padStart(7)}/s   ${(b / a).toFixed(2)} ×  ${b / a >= 0.9 ? 'ok' : 'SHORT'} (goal ≥ 0.9 ×)`;
console.log(`\n${pg ? 'PostgreSQL' : 'SQLite'}: ${small.shops} shops / ${small.clients.toLocaleString('en')} clients → ${big.shops.toLocaleString('en')} shops / ${big.clients.toLocaleString('en')} clients (median of ${ROUNDS})`);
console.log(row('ISSUE', before.issue, after.issue));
console.log(row('VERIFY', before.verify, after.verify));
if (after.issue / before.issue < 0.9 || after.verify / before.verify < 0.9) process.exitCode = 1;
process.exit();
