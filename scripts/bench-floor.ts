// `npm run bench:floor`: the floor of the login pipeline on SQLite — what the statements one login
// needs cost with nothing else around them: raw prepared better-sqlite3 statements on the real
// schema (migrated, 1,000 clients), no Kysely, no HTTP, no templates; B logins per transaction
// (as group commit gives), in the three transactions of the pipeline (request, dispatch, delivery).
//   N logins (6000), B per transaction (32), MULTI=0 one row per insert, NODEV=1 without the
//   development outbox row, CKPT=0 without SQLite's automatic checkpoints (as the server's
//   checkpoint thread gives).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, randomBytes, createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { benchStore } from './bench-setup.ts';

const N = Number(process.env.N ?? 6000), B = Number(process.env.B ?? 32), MULTI = process.env.MULTI !== '0';
const dir = mkdtempSync(join(tmpdir(), 'servicio-floor-'));
const file = join(dir, 'f.db');
const { server, shop: lawn, clientIds: clients } = await benchStore({ dir, databaseUrl: `sqlite:${file}` });
await server.close();

const db = new SQLite(file);
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('foreign_keys = ON'); if (process.env.CKPT) db.pragma(`wal_autocheckpoint = ${process.env.CKPT}`);
/** The columns an insert names: all but an integer primary key (filled by SQLite). */
function filler(table: string) {
  const cols = db.prepare(`pragma table_info(${table})`).all() as { name: string; type: string; notnull: number; dflt_value: unknown; pk: number }[];
  return cols.filter((c) => !(c.pk && /int/i.test(c.type)));
}
const stmtCache = new Map<string, SQLite.Statement>();
const prep = (s: string) => { let st = stmtCache.get(s); if (!st) stmtCache.set(s, (st = db.prepare(s))); return st; };
function insert(table: string, rows: Record<string, unknown>[]) {
  const cols = filler(table).map((c) => c.name);
  const chunks = MULTI ? [rows] : rows.map((r) => [r]);
  for (const ch of chunks) prep(`insert into ${table} (${cols.join(',')}) values ${ch.map(() => `(${cols.map(() => '?').join(',')})`).join(',')}`).run(...ch.flatMap((r) => cols.map((c) => r[c] ?? null)));
}
const upsert = (keys: string[]) => { for (const k of keys) prep(`insert into rate_limits (key, points, expire) values (?, 1, ?) on conflict(key) do update set points = case when rate_limits.expire > ? then rate_limits.points + 1 else 1 end returning points`).get(k, Date.now() + 900000, Date.now()); };
const sha = (s: string) => createHash('sha256').update(s).digest('base64url');
const blob = (n: number) => randomBytes(n).toString('base64url');
const audit = (action: string, subject: string, now: number) => ({ tenant_id: lawn.id, client_id: null, actor: 'system', action, subject_id: subject, data: JSON.stringify({ to: 'u***@bench.test', channel: 'email', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36', expiresAt: new Date(now).toISOString() }), ip: '10.0.0.1', created_at: now });
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let b = 0; b < N / B; b++) {
  const now = Date.now();
  const ids = Array.from({ length: B }, () => randomUUID());
  const who = Array.from({ length: B }, (_, j) => (b * B + j) % 1000);
  // request path: per-IP limit, login row, job, audit
  db.transaction(() => {
    upsert(who.map((w) => `ip:10.0.${w}`));
    insert('login_requests', ids.map((id, j) => ({ id, identifier_kind: 'email', identifier: `user${who[j]}@bench.test`, channel: 'email', token_hash: sha(blob(36)), code_hash: sha(blob(8)), code_attempts: 0, browser_hash: sha(blob(24)), status: 'pending', matched: 0, created_at: now, expires_at: now + 900000, ip: '10.0.0.1', user_agent: 'Mozilla/5.0', audience: 'client', locale: 'en' })));
    insert('jobs', ids.map((id) => ({ id: randomUUID(), kind: 'login-dispatch', login_request_id: id, payload_enc: blob(120), status: 'queued', attempts: 0, run_after: now, created_at: now })));
    insert('audit_events', ids.map((id) => audit('login.requested', id, now)));
  }).immediate();
  // worker, dispatch: claim, read, match, limits, attach, outbox, audit, finish
  const msgIds = ids.map(() => randomUUID());
  db.transaction(() => {
    prep(`update jobs set status = 'running', locked_until = ?, attempts = attempts + 1 where id in (select id from jobs where status = 'queued' and run_after <= ? order by run_after limit ${B}) returning *`).all(now + 120000, now);
    for (const [j, id] of ids.entries()) {
      prep('select * from login_requests where id = ?').get(id);
      prep(`select clients.id, clients.tenant_id, clients.email, clients.phone, clients.locale, tenants.name, tenants.login_channels from clients join tenants on tenants.id = clients.tenant_id where clients.email = ? and clients.status = 'active' and tenants.status = 'active' order by tenants.name`).all(`user${who[j]}@bench.test`);
    }
    upsert(who.flatMap((w) => [`id15:${w}`, `idday:${w}`]));
    insert('login_request_clients', ids.map((id, j) => ({ login_request_id: id, tenant_id: lawn.id, client_id: clients[who[j]!] })));
    for (const id of ids) prep('update login_requests set matched = 1 where id = ?').run(id);
    prep('select * from tenants where id in (?)').all(lawn.id);
    insert('outbox_messages', ids.map((id, j) => ({ id: msgIds[j], tenant_id: lawn.id, login_request_id: id, channel: 'email', to_address: `user${who[j]}@bench.test`, template: 'login-link', payload_enc: blob(400), status: 'queued', attempts: 0, next_attempt_at: now, send_before: now + 800000, created_at: now })));
    insert('delivery_events', msgIds.map((m) => ({ message_id: m, kind: 'queued', created_at: now })));
    insert('audit_events', ids.flatMap((id) => [audit('login.link_issued', id, now), audit('delivery.queued', id, now)]));
    for (const id of ids) prep(`update jobs set status = 'done', finished_at = ?, locked_until = null, payload_enc = null where login_request_id = ? and status = 'running'`).run(now, id);
  }).immediate();
  // worker, delivery: claim, dev outbox, sent, event, audit
  db.transaction(() => {
    prep(`update outbox_messages set status = 'sending', locked_until = ?, attempts = attempts + 1 where id in (select id from outbox_messages where status = 'queued' and next_attempt_at <= ? order by next_attempt_at limit ${B}) returning *`).all(now + 120000, now);
    if (!process.env.NODEV) insert('dev_outbox', msgIds.map((m, j) => ({ outbox_id: m, channel: 'email', to_address: `user${who[j]}@bench.test`, subject: 'Your sign-in link for Greenway Lawn Care', text: blob(600), html: blob(3000), created_at: now })));
    for (const m of msgIds) prep(`update outbox_messages set status = 'sent', provider = 'dev', sent_at = ?, locked_until = null, payload_enc = null where id = ? and status = 'sending'`).run(now, m);
    insert('delivery_events', msgIds.map((m) => ({ message_id: m, kind: 'sent', detail: 'dev', created_at: now })));
    insert('audit_events', ids.map((id) => audit('delivery.sent', id, now)));
  }).immediate();
}
const ms = performance.now() - t0; const cu = process.cpuUsage(c0);
console.log(`SQLite floor of the login pipeline (B=${B}, multi-row=${MULTI}, dev outbox ${process.env.NODEV ? 'off' : 'on'}, automatic checkpoints ${process.env.CKPT === '0' ? 'off' : 'on'}): ${N} logins in ${ms.toFixed(0)} ms = ${(ms * 1000 / N).toFixed(0)} µs/login wall, ${(((cu.user + cu.system) / 1000) * 1000 / N).toFixed(0)} µs/login CPU`);
rmSync(dir, { recursive: true, force: true });
