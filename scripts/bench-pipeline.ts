// `npm run bench:pipeline`: the login pipeline in one process, without HTTP — N login requests
// (32 at a time, each with its per-IP limit) and then one worker pass that dispatches and
// delivers them (development outbox) — with the time SQLite spent in each statement.
//   N logins (3000); LONG=1 checkpoints from a thread as the server does. SQLite only
//   (DATABASE_URL=postgres://… runs it on PostgreSQL without the statement table).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { benchStore } from './bench-setup.ts';

const N = Number(process.env.N ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'servicio-pipeline-'));
const { server } = await benchStore({
  dir,
  databaseUrl: process.env.DATABASE_URL ?? `sqlite:${join(dir, 'p.db')}`,
  ...(process.env.DATABASE_URL ? { schema: 'pipe' } : {}),
  longLived: !!process.env.LONG,
  env: { RATE_LOGIN_PER_IDENTIFIER_15M: '10000', RATE_LOGIN_PER_IDENTIFIER_DAY: '100000', RATE_LOGIN_PER_IP_15M: '100000', UNKNOWN_EMAIL_NOTICE: 'false' },
});

const stats = new Map<string, { n: number; ns: bigint }>();
// Every statement's run/get/all, timed by its SQL text (the prototype all prepared statements share).
const P = Object.getPrototypeOf(new SQLite(':memory:').prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
for (const m of ['run', 'get', 'all']) {
  const orig = P[m]!;
  P[m] = function (this: { source: string }, ...a: unknown[]) {
    const t = process.hrtime.bigint();
    try { return orig.apply(this, a); } finally {
      const k = this.source.replace(/\s+/g, ' ').slice(0, 90);
      const s = stats.get(k) ?? { n: 0, ns: 0n }; s.n++; s.ns += process.hrtime.bigint() - t; stats.set(k, s);
    }
  };
}
const { services, worker } = server;
const ctx = (i: number) => ({ ip: `10.0.${(i >> 8) & 255}.${i & 255}`, userAgent: 'bench', locale: 'en' });
async function pool(n: number, c: number, f: (i: number) => Promise<unknown>) { let next = 0; await Promise.all(Array.from({ length: c }, async () => { while (next < n) await f(next++); })); }
const limits = services.limits;
stats.clear();
let t0 = performance.now();
if (!process.env.SKIPREQ) await pool(N, 32, async (i) => { await limits.loginFromIp(ctx(i).ip); await services.login.request(`user${i % 1000}@bench.test`, ctx(i)); });
const tReq = performance.now() - t0;
const reqStats = new Map(stats); stats.clear();
t0 = performance.now();
await worker.runOnce();
const tWork = performance.now() - t0;
const show = (s: Map<string, { n: number; ns: bigint }>) => [...s].sort((a, b) => Number(b[1].ns - a[1].ns)).slice(0, 25).map(([k, v]) => `${(Number(v.ns) / 1e6).toFixed(0).padStart(6)} ms ${String(v.n).padStart(6)}× ${(Number(v.ns) / 1e3 / v.n).toFixed(1).padStart(6)} µs  ${k}`).join('\n');
console.log(`request path: ${N} in ${tReq.toFixed(0)} ms = ${(tReq * 1000 / N).toFixed(0)} µs/login`);
console.log(show(reqStats));
console.log(`worker: ${(tWork).toFixed(0)} ms = ${(tWork * 1000 / N).toFixed(0)} µs/login`);
console.log(show(stats));
const sent = await server.db.selectFrom('outbox_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'sent').executeTakeFirst();
console.log('sent', sent);
process.exit(0);
