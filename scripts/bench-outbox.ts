// `npm run bench:outbox`: how fast `servicio worker` processes render and send a shop's automated
// emails (a month-end invoice run) to a local SMTP sink, one worker alone and then two together,
// and whether two workers deliver each message exactly once. PostgreSQL when DATABASE_URL is
// set (the store several workers share), else SQLite.
//   BENCH_MESSAGES (default 5000); BENCH_WORKER_NODE_ARGS: node flags for the workers (e.g. --cpu-prof);
//   BENCH_SMTP_QUERY: options added to the sink's SMTP_URL (e.g. maxConnections=20); WORKER_LANES is passed on
// Goal (issue 12): ≥ 500 messages/s per worker process on PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config.ts';
import { compose } from '../src/compose.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5000);
const pg = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;

/** An SMTP sink: accepts everything and counts each Message-ID (no parsing beyond the header). */
async function startSink() {
  const seen = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 4096) head += c.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^Message-ID:\s*<([^>]+)>/im.exec(head)?.[1] ?? '?';
        seen.set(id, (seen.get(id) ?? 0) + 1);
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function run(workers: number, sink: Awaited<ReturnType<typeof startSink>>) {
  const dir = mkdtempSync(join(tmpdir(), 'servicio-outbox-'));
  const schema = `bench_outbox_${process.pid}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'development',
    DATA_DIR: dir,
    DATABASE_URL: pg ?? `sqlite:${join(dir, 'bench.db')}`,
    ...(pg ? { DATABASE_SCHEMA: schema } : {}),
    APP_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    PUBLIC_URL: 'http://127.0.0.1:3000',
    SMTP_URL: process.env.BENCH_SMTP_QUERY ? `${sink.url}?${process.env.BENCH_SMTP_QUERY}` : sink.url,
    MAIL_FROM: 'portal@bench.test',
    // The bench's clients have example addresses; the sink is ours.
    DELIVER_TO_EXAMPLE_ADDRESSES: 'true',
    WORKER_ENABLED: 'false',
    LOG_LEVEL: 'warn',
  };
  // Queue the invoice run with no worker running.
  const system = await compose({ ...loadConfig(env), appSecret: env.APP_SECRET! });
  try {
    if (pg) await sql`SELECT 1`.execute(system.db);
    const shop = await system.services.tenants.create({ name: 'Bench Lawn', slug: 'bench-lawn' });
    const clients = Array.from({ length: MESSAGES }, (_, i) => ({ externalId: `c${i}`, name: `Client ${i}`, email: `client${i}@bench.test` }));
    await system.services.clientImport.run(shop.id, clients.map((c) => `${JSON.stringify(c)}\n`), { format: 'jsonl' });
    for (let i = 0; i < MESSAGES; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, MESSAGES - i) }, async (_, j) => {
          const n = i + j;
          await system.services.invoices.upsert(shop.id, `INV-${n}`, { clientExternalId: `c${n}`, number: String(10000 + n), currency: 'USD', lineItems: [{ description: 'Weekly mowing', quantity: 4, unitCents: 4500 }], issueDate: '2026-11-30', dueDate: '2026-12-14', status: 'sent' });
          await system.services.notifications.send(shop.id, 'invoice_sent', `INV-${n}`);
        }),
      );
    }
  } finally {
    await system.close();
  }

  sink.seen.clear();
  const started = performance.now();
  const procs: ChildProcess[] = Array.from({ length: workers }, () => spawn(process.execPath, [...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'bin/servicio.js', 'worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] }));
  let firstAt = 0;
  while (sink.seen.size < MESSAGES) {
    await new Promise((r) => setTimeout(r, 20));
    if (!firstAt && sink.seen.size > 0) firstAt = performance.now();
    if (performance.now() - started > 300_000) throw new Error(`only ${sink.seen.size}/${MESSAGES} messages arrived in 5 minutes`);
  }
  const doneAt = performance.now();
  await new Promise((r) => setTimeout(r, 1000)); // a duplicate would arrive now
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));

  const twice = [...sink.seen.values()].filter((n) => n > 1).length;
  const check = await compose({ ...loadConfig(env), appSecret: env.APP_SECRET! });
  const statuses = await check.db.selectFrom('outbox_messages').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  if (pg) await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(check.db);
  await check.close();
  rmSync(dir, { recursive: true, force: true });
  const seconds = (doneAt - firstAt) / 1000;
  return { workers, perSecond: Math.round(MESSAGES / seconds), seconds, startup: (firstAt - started) / 1000, twice, distinct: sink.seen.size, statuses };
}

const sink = await startSink();
try {
  console.log(`outbox: ${MESSAGES} invoice emails (HTML + text, signed link) to a local SMTP sink · store ${pg ? 'PostgreSQL' : 'SQLite'} · pooled SMTP connections`);
  for (const n of [1, 2]) {
    const r = await run(n, sink);
    const ok = r.twice === 0 && r.distinct === MESSAGES && r.statuses.every((s) => s.status === 'sent');
    console.log(
      `${n} worker process${n > 1 ? 'es' : ''}: ${r.perSecond} messages/s (${(r.perSecond / n).toFixed(0)} per process; ${r.seconds.toFixed(1)} s from the first message to the last, start-up ${r.startup.toFixed(1)} s) · ` +
        `${r.distinct} distinct received, ${r.twice} more than once, outbox ${r.statuses.map((s) => `${s.status} ${s.n}`).join(', ')}${ok ? '' : '  ← NOT EXACTLY ONCE'}`,
    );
    if (!ok) process.exitCode = 1;
  }
} finally {
  await sink.close();
}
