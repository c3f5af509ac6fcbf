// Issue 7: two processes on one store (the README runs the web process and `servicio worker` on
// the same SQLite file) answered 500 "database is locked" under contention. Two real server
// processes, each with its worker, take hundreds of parallel sign-in requests and link
// confirmations; not one answer may be a 5xx, and every link is consumed exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { compose, type System } from '../../src/compose.ts';
import type { Database } from '../../src/db/database.ts';
import { testEnv, storeKind } from '../helpers/harness.ts';

const CLIENTS = 80;
const children: ChildProcess[] = [];
let db: Database;
let system: System;
let env: Record<string, string>;
let dir: string;
let schema: string;
const bases: string[] = [];

function startProcess(extra: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/server-process.ts'], { env: { ...process.env, ...env, ...extra }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(`http://127.0.0.1:${JSON.parse(line).port}`));
  });
}

beforeAll(async () => {
  ({ env, dir, schema } = testEnv({ WORKER_ENABLED: 'true', WORKER_POLL_MS: '50' }));
  const config = loadConfig(env);
  system = await compose({ ...config, appSecret: config.appSecret! });
  db = system.db;
  const svc = system.services;
  const shop = await svc.tenants.create({ name: 'Greenway Lawn Care', slug: 'greenway' });
  for (let i = 0; i < CLIENTS; i++) await svc.clients.add(shop.id, { name: `Client ${i}`, email: `c${i}@example.com` });
  bases.push(await startProcess({ LOG_LEVEL: 'error' }), await startProcess({ LOG_LEVEL: 'error' }));
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  if (storeKind === 'postgres') await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db);
  await system?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One browser: keeps its cookies between requests to one server. */
function browser(base: string) {
  const jar = new Map<string, string>();
  return async (path: string, form?: Record<string, string>) => {
    const res = await fetch(`${base}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return { status: res.status, body: await res.text() };
  };
}
const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

describe(`two server processes on one store (${storeKind})`, () => {
  it('answer hundreds of parallel sign-ins and confirmations without a single 5xx', async () => {
    const statuses: number[] = [];
    const ask = async (i: number) => {
      const go = browser(bases[i % 2]!);
      const page = await go('/client-login');
      statuses.push(page.status);
      const res = await go('/client-login', { identifier: `c${i}@example.com`, _csrf: csrf(page.body) });
      statuses.push(res.status);
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => ask(i)));

    // Both workers deliver; wait until every client has a link.
    const links = new Map<number, string>();
    for (let tries = 0; links.size < CLIENTS && tries < 200; tries++) {
      const rows = await db.selectFrom('dev_outbox').select(['to_address', 'text']).execute();
      for (const r of rows) {
        const m = /\/l\/[A-Za-z0-9_-]{48}/.exec(r.text);
        if (m) links.set(Number(/^c(\d+)@/.exec(r.to_address)![1]), m[0]);
      }
      if (links.size < CLIENTS) await new Promise((r) => setTimeout(r, 100));
    }
    expect(links.size).toBe(CLIENTS);

    // Every link confirmed twice at once, once on each process (a double tap, two devices), while
    // more sign-ins arrive on both: one confirmation wins, the other finds the link used.
    const confirm = async (i: number, base: string) => {
      const go = browser(base);
      const page = await go(links.get(i)!);
      statuses.push(page.status);
      if (page.status === 410) return (statuses.push(410), 410); // the twin already used it
      const res = await go(links.get(i)!, { _csrf: csrf(page.body) });
      statuses.push(res.status);
      return res.status;
    };
    const both = (i: number) => Promise.all(bases.map((base) => confirm(i, base)));
    const [confirmed] = await Promise.all([Promise.all(Array.from({ length: CLIENTS }, (_, i) => both(i))), Promise.all(Array.from({ length: CLIENTS }, (_, i) => ask(i)))]);

    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.length).toBe(CLIENTS * 8);
    for (const pair of confirmed) expect(pair.sort()).toEqual([303, 410]);
    const sessions = await db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(sessions.n)).toBe(CLIENTS);
  });
});
