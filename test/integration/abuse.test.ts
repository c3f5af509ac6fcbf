// Abuse protection: identifier and IP limits, brute-force limits, SMS budgets and policies,
// trusted proxies, and limits shared between two server instances. Runs on the store's own
// limiter, and on Redis when REDIS_URL is set.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { demo } from '../../src/modules/demo/seed.ts';
import { csrfOf } from '../helpers/browser.ts';
import { loginAudit } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

const backend = process.env.REDIS_URL ? 'redis' : storeKind;
const servers: TestServer[] = [];
async function server(env: Record<string, string>, o: { seed?: boolean } = {}) {
  const s = await startTestServer({ env, ...o });
  servers.push(s);
  return s;
}
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const issued = async (t: TestServer, identifier: string) => {
  await t.worker.runOnce(); // matching and limits happen in the worker, after the answer
  return (await loginAudit(t, identifier, ['login.link_issued', 'login.link_refused'])).map((action) => ({ action }));
};

async function ask(t: TestServer, identifier: string, headers: Record<string, string> = {}) {
  const b = t.browser();
  const page = await b.get('/client-login');
  return b.post('/client-login', { identifier, _csrf: csrfOf(page.body) }, headers);
}

describe(`rate limits (${backend})`, () => {
  it('never lets 20 parallel requests for one identifier past the limit, and answers all alike', async () => {
    const t = await server({ RATE_LOGIN_PER_IDENTIFIER_15M: '5' });
    const results = await Promise.all(Array.from({ length: 20 }, () => ask(t, demo.oneShop.email)));
    for (const r of results) {
      expect(r.statusCode).toBe(303);
      expect(r.headers.location).toBe('/client-login/check');
    }
    const actions = (await issued(t, demo.oneShop.email)).map((a) => a.action);
    expect(actions.filter((a) => a === 'login.link_issued')).toHaveLength(5);
    expect(actions.filter((a) => a === 'login.link_refused')).toHaveLength(15);
    await t.worker.runOnce();
    expect(await t.messagesTo(demo.oneShop.email)).toHaveLength(5);
  });

  // Issue 12: the counts asked for in one turn go in one multi-row upsert; a key asked for twice
  // in it is counted again in a later statement. Every count must still land exactly once.
  it('counts many limits asked for at once exactly: one key 30 times, 30 keys once each', async () => {
    const t = await server({ RATE_LOGIN_PER_IP_15M: '10' });
    const same = Array.from({ length: 30 }, () => t.services.limits.loginFromIp('198.51.100.7'));
    const distinct = Array.from({ length: 30 }, (_, i) => t.services.limits.loginFromIp(`198.51.100.${100 + i}`));
    const [sameVerdicts, distinctVerdicts] = await Promise.all([Promise.all(same), Promise.all(distinct)]);
    expect(sameVerdicts.filter((v) => v.ok)).toHaveLength(10);
    expect(distinctVerdicts.every((v) => v.ok)).toBe(true);
    // One more from each distinct address: the second count of each, not a fresh window.
    const again = await Promise.all(Array.from({ length: 30 }, (_, i) => t.services.limits.loginFromIp(`198.51.100.${100 + i}`)));
    expect(again.every((v) => v.ok)).toBe(true);
    if (process.env.REDIS_URL) return;
    const rows = await t.db.selectFrom('rate_limits').select(['key', 'points']).where('key', 'like', '%login-ip%').execute();
    expect(rows).toHaveLength(31);
    expect(rows.find((r) => r.key.endsWith(':198.51.100.7'))?.points).toBe(30);
    expect(rows.filter((r) => !r.key.endsWith(':198.51.100.7')).every((r) => r.points === 2)).toBe(true);
  });

  // Regression (CI, two processes on PostgreSQL: 7 sign-ins answered 500): two multi-row upserts
  // running at once that take the same rows in opposite orders deadlock, and PostgreSQL fails one —
  // and with it every request counted in that statement. Counts now take their rows in key order.
  it('counts the same keys asked for at once in opposite orders, without a deadlock or a lost count', async () => {
    const t = await server({ RATE_LOGIN_PER_IP_15M: '10000' });
    const ips = Array.from({ length: 60 }, (_, i) => `203.0.113.${i + 1}`);
    const nextTurn = () => new Promise((r) => setImmediate(r));
    for (let round = 0; round < 30; round++) {
      // Each order in a turn of its own: two statements, on two connections, at the same moment.
      const forward = Promise.all(ips.map((ip) => t.services.limits.loginFromIp(ip)));
      await nextTurn();
      await nextTurn();
      const backward = Promise.all([...ips].reverse().map((ip) => t.services.limits.loginFromIp(ip)));
      await Promise.all([forward, backward]);
    }
    if (process.env.REDIS_URL) return;
    const rows = await t.db.selectFrom('rate_limits').select(['key', 'points']).where('key', 'like', '%login-ip:203.0.113.%').execute();
    expect(rows).toHaveLength(60);
    expect(rows.map((r) => r.points)).toEqual(Array(60).fill(60));
  });

  // Regression: a refused login used to keep its shops, so guessing its code could sign in.
  it('never lets a refused login be redeemed, even with the right code', async () => {
    const t = await server({ RATE_LOGIN_PER_IDENTIFIER_15M: '1' });
    await ask(t, demo.oneShop.email);
    await t.worker.runOnce(); // the first one is dispatched (and allowed) before the second arrives
    const b = t.browser();
    await b.submit('/client-login', { identifier: demo.oneShop.email });
    const job = await t.db.selectFrom('jobs').selectAll().where('kind', '=', 'login-dispatch').where('status', '=', 'queued').orderBy('created_at', 'desc').execute();
    const { code } = JSON.parse(t.services.sealer.open(job.at(-1)!.payload_enc!)) as { code: string };
    expect((await issued(t, demo.oneShop.email)).map((a) => a.action)).toEqual(['login.link_issued', 'login.link_refused']);
    const res = await b.submit('/client-login/check', { code });
    expect(res.statusCode).toBe(400);
    expect(b.cookie('session')).toBeUndefined();
  });

  it('also caps the day', async () => {
    const t = await server({ RATE_LOGIN_PER_IDENTIFIER_15M: '100', RATE_LOGIN_PER_IDENTIFIER_DAY: '3' });
    for (let i = 0; i < 5; i++) await ask(t, demo.oneShop.email);
    // Dispatched in parallel batches: which ones pass is not ordered, how many is.
    expect((await issued(t, demo.oneShop.email)).filter((a) => a.action === 'login.link_issued')).toHaveLength(3);
  });

  it('answers an IP over its limit with 429, Retry-After and a friendly page', async () => {
    const t = await server({ RATE_LOGIN_PER_IP_15M: '3' });
    for (let i = 0; i < 3; i++) expect((await ask(t, `nobody${i}@example.com`)).statusCode).toBe(303);
    const res = await ask(t, 'nobody9@example.com');
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toContain('Please wait a moment');
  });

  it('limits link redemptions and code guesses per IP', async () => {
    const t = await server({ RATE_REDEEM_PER_IP_15M: '4', RATE_CODE_PER_IP_15M: '2' });
    const b = t.browser();
    for (let i = 0; i < 3; i++) expect((await b.get(`/l/${'x'.repeat(48)}`)).statusCode).toBe(410);
    expect((await b.get('/s/v1~forged.sig')).statusCode).toBe(410); // signed email links share the limit
    expect((await b.get(`/l/${'x'.repeat(48)}`)).statusCode).toBe(429);
    expect((await b.get('/s/v1~forged.sig')).statusCode).toBe(429);

    const c = t.browser();
    await c.submit('/client-login', { identifier: demo.oneShop.email });
    expect((await c.submit('/client-login/check', { code: '000000' })).statusCode).toBe(400);
    expect((await c.submit('/client-login/check', { code: '000001' })).statusCode).toBe(400);
    expect((await c.submit('/client-login/check', { code: '000002' })).statusCode).toBe(429);
  });

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    const direct = await server({ RATE_LOGIN_PER_IP_15M: '2' });
    for (const ip of ['203.0.113.1', '203.0.113.2']) await ask(direct, 'x@example.com', { 'x-forwarded-for': ip });
    expect((await ask(direct, 'x@example.com', { 'x-forwarded-for': '203.0.113.3' })).statusCode).toBe(429);

    const proxied = await server({ RATE_LOGIN_PER_IP_15M: '2', TRUST_PROXY: '127.0.0.1' });
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      expect((await ask(proxied, 'x@example.com', { 'x-forwarded-for': ip })).statusCode).toBe(303);
    }
    await ask(proxied, 'x@example.com', { 'x-forwarded-for': '203.0.113.1' });
    expect((await ask(proxied, 'x@example.com', { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(429);
  });
});

describe(`SMS protection (${backend})`, () => {
  it('keeps to the daily SMS budget of each shop, while email goes on', async () => {
    const t = await server({ SMS_DAILY_BUDGET_PER_TENANT: '2' });
    for (let i = 0; i < 3; i++) {
      await ask(t, demo.oneShop.phone);
      await t.worker.runOnce(); // dispatch in order, so the third is the one over budget
    }
    const actions = await issued(t, '+15125550187');
    expect(actions.map((a) => a.action)).toEqual(['login.link_issued', 'login.link_issued', 'login.link_refused']);
    await ask(t, demo.oneShop.email);
    expect((await issued(t, demo.oneShop.email)).map((a) => a.action)).toEqual(['login.link_issued']);
    const refused = await t.db.selectFrom('audit_events').select('data').where('action', '=', 'login.link_refused').executeTakeFirstOrThrow();
    expect(JSON.parse(refused.data).reason).toBe('sms_budget');
  });

  it('keeps to the global SMS budget', async () => {
    const t = await server({ SMS_DAILY_BUDGET_GLOBAL: '1' });
    await ask(t, demo.oneShop.phone);
    await t.worker.runOnce();
    await ask(t, demo.bothShops.phone);
    // Sam is a client of both shops: one refusal, recorded for each shop.
    expect(new Set((await issued(t, '+15125550142')).map((a) => a.action))).toEqual(new Set(['login.link_refused']));
  });

  it('texts only allowed countries and never numbers that cannot be mobiles', async () => {
    const t = await server({});
    const shop = t.demo!.tenants[0]!.id;
    await t.services.clients.add(shop, { name: 'Ana UK', phone: '+44 7400 123456' });
    await t.services.clients.add(shop, { name: 'Toll Free', phone: '+1 800 246 1234' });
    await t.services.clients.add(shop, { name: 'Premium', phone: '+1 900 201 0142' });
    await ask(t, '+44 7400 123456');
    await ask(t, '+1 800 246 1234');
    await ask(t, '+1 900 201 0142');
    await t.worker.runOnce();
    const reasons = await t.db.selectFrom('audit_events').select('data').where('action', '=', 'login.link_refused').execute();
    expect(reasons.map((r) => JSON.parse(r.data).reason).sort()).toEqual(['sms_country', 'sms_not_mobile', 'sms_not_mobile']);
    expect(await t.messagesTo('+447400123456')).toHaveLength(0);
  });
});

describe(`unknown addresses (${backend})`, () => {
  it('tells an unknown email once a day, and never texts an unknown phone', async () => {
    const t = await server({});
    await ask(t, 'stranger@example.com');
    await ask(t, 'stranger@example.com');
    await ask(t, '+1 512 555 0111');
    const notices = await t.messagesTo('stranger@example.com');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('No service provider using Servicio has this address on file');
    expect(await t.messagesTo('+15125550111')).toHaveLength(0);
  });

  it('can be turned off', async () => {
    const t = await server({ UNKNOWN_EMAIL_NOTICE: 'false' });
    await ask(t, 'stranger@example.com');
    expect(await t.messagesTo('stranger@example.com')).toHaveLength(0);
  });
});

describe(`limits shared by two instances (${backend})`, () => {
  it('counts requests on both instances against one limit', async () => {
    const a = await server({ RATE_LOGIN_PER_IDENTIFIER_15M: '5' });
    // The second instance uses the same store (and Redis namespace) as the first.
    const b = await startTestServer({ env: { RATE_LOGIN_PER_IDENTIFIER_15M: '5', RATE_LIMIT_NAMESPACE: a.config.limits.namespace, ...(a.config.database.kind === 'postgres' ? { DATABASE_SCHEMA: a.config.database.schema! } : {}) }, seed: false, db: a.db });
    servers.push(b);
    await Promise.all(Array.from({ length: 6 }, (_, i) => ask(i % 2 ? b : a, demo.oneShop.email)));
    const actions = (await issued(a, demo.oneShop.email)).map((x) => x.action);
    expect(actions.filter((x) => x === 'login.link_issued')).toHaveLength(5);
  });
});

afterAll(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe(`worker chores (${storeKind})`, () => {
  it('removes ended rate-limit windows from the store', async () => {
    const t = await server({});
    await ask(t, 'someone@example.com');
    const count = async () => Number((await t.db.selectFrom('rate_limits').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    if (process.env.REDIS_URL) return expect(await count()).toBe(0); // Redis expires its own keys
    expect(await count()).toBeGreaterThan(0);
    t.clock.advance(25 * 60 * 60_000);
    await t.worker.runOnce();
    await vi.waitFor(async () => expect(await count()).toBe(0), { timeout: 5_000, interval: 20 }); // a chore runs beside the deliveries
  });
});
