// `npm run bench:scale`: does the login pipeline slow down when the store is big? Measures ISSUE
// (a login asked for, then the worker's dispatch and delivery, until drained) and VERIFY (a link
// redeemed: consumed, others retired, a session opened) on a store with the 1,000 clients of one
// shop, then loads the million-client data set (scripts/generate-clients.ts: 10,000 shops,
// 1,000,000 clients) into the same store and measures again. Issue 12's goal: both rates stay
// ≥ 0.9 × what they were with 1,000 clients, on both stores.
//
// In process, without HTTP (what the store size can change is the store's work; HTTP, CSRF and
// rendering are the same for any size): 1,000 logins a round, 32 at a time, 3 rounds, median.
//   SCALE_SHOPS (10000), SCALE_CLIENTS (1000000), ROUNDS (3); DATABASE_URL=postgres://… for
//   PostgreSQL (schema `scale`, dropped first); SCALE_DIR keeps the SQLite store there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchStore } from './bench-setup.ts';

const SHOPS = Number(process.env.SCALE_SHOPS ?? 10_000);
const CLIENTS = Number(process.env.SCALE_CLIENTS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PER_ROUND = 1000; // one login per bench client: redeeming one link retires the person's others
const pg = process.env.DATABASE_URL?.startsWith('postgres');
const dir = process.env.SCALE_DIR ?? mkdtempSync(join(tmpdir(), 'servicio-scale-'));
const databaseUrl = process.env.DATABASE_URL ?? `sqlite:${join(dir, 'scale.db')}`;
const schema = pg ? 'scale' : undefined;
const env = { RATE_LOGIN_PER_IDENTIFIER_15M: '100000', RATE_LOGIN_PER_IDENTIFIER_DAY: '1000000', RATE_LOGIN_PER_IP_15M: '1000000', RATE_REDEEM_PER_IP_15M: '1000000', UNKNOWN_EMAIL_NOTICE: 'false' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function pool(n: number, c: number, f: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => { while (next < n) await f(next++); }));
}
const ctx = (i: number) => ({ ip: `10.1.${(i >> 8) & 255}.${i & 255}`, userAgent: 'bench-scale', locale: 'en' });

type Store = Awaited<ReturnType<typeof benchStore>>;

/** ROUNDS rounds of ISSUE then VERIFY; returns the median rates (per second). */
async function measure(label: string, { server }: Store) {
  const { services, worker, db } = server;
  const issue: number[] = [];
  const verify: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const lastMessage = Number((await db.selectFrom('dev_outbox').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
    let t0 = performance.now();
    await pool(PER_ROUND, 32, async (i) => {
      await services.limits.loginFromIp(ctx(i).ip);
      await services.login.request(`user${i}@bench.test`, ctx(i));
    });
    while ((await worker.runOnce()) > 0);
    issue.push((PER_ROUND * 1000) / (performance.now() - t0));

    const texts = await db.selectFrom('dev_outbox').select('text').where('id', '>', lastMessage).execute();
    const tokens = texts.map((m) => /\/l\/([A-Za-z0-9_-]{48})/.exec(m.text)?.[1]).filter((t): t is string => !!t);
    if (tokens.length !== PER_ROUND) throw new Error(`${label}: expected ${PER_ROUND} links, found ${tokens.length}`);
    let sessions = 0;
    t0 = performance.now();
    await pool(tokens.length, 32, async (i) => {
      await services.limits.redeemFromIp(ctx(i).ip);
      if ((await services.login.redeemLink(tokens[i]!, ctx(i))).kind === 'session') sessions++;
    });
    verify.push((tokens.length * 1000) / (performance.now() - t0));
    if (sessions !== tokens.length) throw new Error(`${label}: ${tokens.length - sessions} links did not sign in`);
    console.log(`  ${label} round ${round + 1}: ISSUE ${issue.at(-1)!.toFixed(0)}/s, VERIFY ${verify.at(-1)!.toFixed(0)}/s`);
  }
  return { issue: median(issue), verify: median(verify) };
}

async function counts({ server }: Store) {
  const n = async (table: 'clients' | 'tenants') => Number((await server.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { shops: await n('tenants'), clients: await n('clients') };
}

console.log(`bench:scale on ${pg ? 'PostgreSQL' : `SQLite (${dir})`}: ${ROUNDS} rounds × ${PER_ROUND} logins, 32 at a time`);
if (pg) {
  const { default: pgLib } = await import('pg');
  const c = new pgLib.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  await c.query('DROP SCHEMA IF EXISTS scale CASCADE');
  await c.end();
}
let store = await benchStore({ dir, databaseUrl, ...(schema ? { schema } : {}), env });
const small = await counts(store);
const before = await measure(`${small.clients.toLocaleString('en')} clients`, store);
await store.server.close();

console.log(`loading ${CLIENTS.toLocaleString('en')} clients in ${SHOPS.toLocaleString('en')} shops (scripts/generate-clients.ts) …`);
const t0 = performance.now();
const gen = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-clients.ts', '--shops', String(SHOPS), '--clients', String(CLIENTS)], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, NODE_ENV: 'development', DATA_DIR: dir, DATABASE_URL: databaseUrl, ...(schema ? { DATABASE_SCHEMA: schema } : {}), APP_SECRET: 'bench-secret-bench-secret-bench-secret-01', LOG_LEVEL: 'silent' },
});
if (gen.status !== 0) throw new Error(`generate-clients exited with ${gen.status}`);
console.log(`loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

store = await benchStore({ dir, databaseUrl, ...(schema ? { schema } : {}), env, reopen: true });
const big = await counts(store);
const after = await measure(`${big.clients.toLocaleString('en')} clients`, store);
await store.server.close();

const row = (name: string, a: number, b: number) => `${name.padEnd(8)} ${a.toFixed(0).padStart(7)}/s  ${b.toFixed(0).padStart(7)}/s   ${(b / a).toFixed(2)} ×  ${b / a >= 0.9 ? 'ok' : 'SHORT'} (goal ≥ 0.9 ×)`;
console.log(`\n${pg ? 'PostgreSQL' : 'SQLite'}: ${small.shops} shops / ${small.clients.toLocaleString('en')} clients → ${big.shops.toLocaleString('en')} shops / ${big.clients.toLocaleString('en')} clients (median of ${ROUNDS})`);
console.log(row('ISSUE', before.issue, after.issue));
console.log(row('VERIFY', before.verify, after.verify));
if (after.issue / before.issue < 0.9 || after.verify / before.verify < 0.9) process.exitCode = 1;
process.exit();
