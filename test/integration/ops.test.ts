// Issue 8: what an operator needs — /healthz, /readyz (store, and Redis when configured) and
// Prometheus /metrics with the figures that say whether sign-in works.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askLink, makeClient, makeShop, signIn } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

const metric = (text: string, name: string, labels: Record<string, string> = {}) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) ? Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)) : l.startsWith(`${name} `) && Object.keys(labels).length === 0);
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

describe(`operations (${storeKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ seed: false, env: { RATE_LOGIN_PER_IDENTIFIER_15M: '1' } });
  });
  afterAll(async () => t?.close());

  it('/healthz answers while the process runs; /readyz checks the store (and Redis)', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', ...(process.env.REDIS_URL ? { redis: 'ok' } : {}) } });
  });

  it('/metrics counts requests, logins, links, messages, refusals, session checks and the queues', async () => {
    const before = (await t.app.inject({ url: '/metrics' })).body;
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const b = await signIn(t, c.email!); // requested, issued, sent, consumed
    await b.get('/portal');
    await t.app.inject({ url: '/portal', headers: { cookie: 'sp_session=nonsense' } });
    await askLink(t, c.email!); // over the identifier limit of 1: refused in the worker
    await t.worker.runOnce();
    await askLink(t, 'nobody@example.com'); // queued, not yet dispatched
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const after = res.body;
    const grew = (name: string, labels: Record<string, string> = {}) => metric(after, name, labels) - metric(before, name, labels);
    expect(grew('servicio_login_requests_total')).toBe(3);
    expect(grew('servicio_login_links_total', { outcome: 'issued' })).toBe(1);
    expect(grew('servicio_login_links_total', { outcome: 'consumed', reason: 'link' })).toBe(1);
    expect(grew('servicio_login_links_total', { outcome: 'refused', reason: 'rate_limited' })).toBe(1);
    expect(grew('servicio_messages_total', { channel: 'email', outcome: 'sent' })).toBe(1);
    expect(grew('servicio_rate_limit_refusals_total', { limit: 'login-id-15m' })).toBe(1);
    expect(grew('servicio_session_checks_total', { result: 'valid' })).toBeGreaterThanOrEqual(1);
    expect(grew('servicio_session_checks_total', { result: 'invalid' })).toBeGreaterThanOrEqual(1);
    expect(grew('servicio_http_requests_total', { route: '/portal', method: 'GET', status: '200' })).toBe(1);
    expect(grew('servicio_http_requests_total', { route: '/client-login', method: 'POST', status: '303' })).toBe(3);
    expect(metric(after, 'servicio_queue_depth', { queue: 'jobs' })).toBe(1);
    expect(metric(after, 'servicio_queue_depth', { queue: 'outbox' })).toBe(0);
    expect(after).toContain('servicio_process_resident_memory_bytes');
  });

  it('/metrics is for this machine, or for whoever holds METRICS_TOKEN', async () => {
    expect((await t.app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '198.51.100.1' } })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/metrics', remoteAddress: '198.51.100.1' })).statusCode).toBe(404);
    const tokened = await startTestServer({ seed: false, env: { METRICS_TOKEN: 'metrics-token-0123456789' } });
    try {
      expect((await tokened.app.inject({ url: '/metrics' })).statusCode).toBe(404);
      expect((await tokened.app.inject({ url: '/metrics', remoteAddress: '198.51.100.1', headers: { authorization: 'Bearer metrics-token-0123456789' } })).statusCode).toBe(200);
    } finally {
      await tokened.close();
    }
  });

  it('/readyz says which part does not answer, with 503', async () => {
    const s = await startTestServer({ seed: false });
    try {
      await s.db.destroy(); // the store goes away under the running server
      const res = await s.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.store).toMatch(/^not answering/);
    } finally {
      await s.app.close();
      if (s.config.database.kind === 'postgres') await sql`DROP SCHEMA IF EXISTS ${sql.id(s.config.database.schema!)} CASCADE`.execute(t.db);
    }
  });
});
