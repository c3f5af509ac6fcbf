// `npm run bench:pipeline`: the login pipeline in one process, without HTTP — N login requests
// (32 at a time, each with its per-IP limit) and then one worker pass that dispatches and
// delivers them (development outbox) — with the time SQLite spent in each statement.
//   N logins (3000); LONG=1 checkpoints from a thread as the server does. SQLite only
//   (DATABASE_URL=postgres://… runs it on PostgreSQL without the statement table).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../src/config.ts';
import { buildServer } from '../src/server.ts';
import { seedDemo } from '../src/modules/demo/seed.ts';

const N = Number(process.env.N ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'servicio-pipeline-'));
const config = loadConfig({
  NODE_ENV: 'development', DATA_DIR: dir, DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(dir, 'p.db')}`, DATABASE_SCHEMA: process.env.DATABASE_URL ? 'pipe' : undefined,
  APP_SECRET: 'bench-secret-bench-secret-bench-secret-01', WORKER_ENABLED: 'false', LOG_LEVEL: 'silent',
  RATE_LOGIN_PER_IDENTIFIER_15M: '10000', RATE_LOGIN_PER_IDENTIFIER_DAY: '100000', RATE_LOGIN_PER_IP_15M: '100000', UNKNOWN_EMAIL_NOTICE: 'false',
} as any);
const server = await buildServer({ ...config, appSecret: config.appSecret! }, { logger: false, longLived: !!process.env.LONG });
const demo = await seedDemo(server.services);
const lawn = demo.tenants[0]!;
for (let i = 0; i < 1000; i++) await server.services.clients.add(lawn.id, { name: `U ${i}`, email: `user${i}@bench.test` } as any);

const stats = new Map<string, { n: number; ns: bigint }>();
const P = (SQLite as any).prototype ? Object.getPrototypeOf(new SQLite(':memory:').prepare('select 1')) : null;
for (const m of ['run', 'get', 'all']) {
  const orig = P[m];
  P[m] = function (...a: unknown[]) {
    const t = process.hrtime.bigint();
    try { return orig.apply(this, a); } finally {
      const k = (this.source as string).replace(/\s+/g, ' ').slice(0, 90);
      const s = stats.get(k) ?? { n: 0, ns: 0n }; s.n++; s.ns += process.hrtime.bigint() - t; stats.set(k, s);
    }
  };
}
const { services, worker } = server as any;
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
const sent = await server.db.selectFrom('outbox_messages').select((eb: any) => eb.fn.countAll().as('n')).where('status', '=', 'sent').executeTakeFirst();
console.log('sent', sent);
process.exit(0);
