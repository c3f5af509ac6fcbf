// What redeeming a link or code writes, row by row. On PostgreSQL a client's login is redeemed by
// one statement (login.repo consumeAndOpen); elsewhere, and for staff and support, by a
// transaction (login.service complete). Both must write the very same rows and events, so these
// expectations are the same on both stores. Runs on SQLite, and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../../src/lib/clock.ts';
import { sha256 } from '../../src/lib/crypto.ts';
import { onAudit, type AuditInput } from '../../src/modules/audit/audit.repo.ts';
import { csrfOf } from '../helpers/browser.ts';
import { askLink, footprint, makeClient, makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

const UA = 'Mozilla/5.0 (iPhone; "quoted" \\ back) Safari/604.1';

/** A link asked for and sent; its login row. */
async function linkFor(email: string) {
  await askLink(t, email);
  const msg = await t.lastMessageTo(email);
  const request = await t.db.selectFrom('login_requests').selectAll().where('token_hash', '=', sha256(msg.link.split('/l/')[1]!)).executeTakeFirstOrThrow();
  return { msg, request };
}

/** "Continue" on a link's page in a fresh browser with this user agent; the events announced meanwhile. */
async function redeem(link: string) {
  const b = t.browser();
  const csrf = csrfOf((await b.get(link, { 'user-agent': UA })).body);
  const heard: AuditInput[] = [];
  const stop = onAudit((e) => heard.push(e));
  try {
    const res = await b.post(link, { _csrf: csrf }, { 'user-agent': UA });
    return { b, res, heard };
  } finally {
    stop();
  }
}

const eventsAbout = (subjectId: string) =>
  t.db.selectFrom('audit_events').select(['tenant_id', 'client_id', 'actor', 'action', 'subject_id', 'data', 'ip', 'created_at']).where('subject_id', '=', subjectId).orderBy('id').execute();

describe(`redeeming writes (${storeKind})`, () => {
  it('one shop: consumes the link, opens the session for the shop’s length and records both, exactly', async () => {
    const shop = await makeShop(t, { sessionDays: 7 });
    const c = await makeClient(t, shop.id);
    const { msg, request } = await linkFor(c.email!);
    const at = t.clock.now();
    const { b, res, heard } = await redeem(msg.link);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/portal');
    expect(res.cookies.find((k) => k.name === 'sp_session')!.maxAge).toBe(7 * 24 * 3600);

    const [sessionId, secret] = b.cookie('session')!.split('.') as [string, string];
    const session = await t.db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
    expect(session).toEqual({
      id: sessionId,
      tenant_id: shop.id,
      client_id: c.id,
      secret_hash: sha256(secret),
      kind: 'login',
      scope_kind: null,
      scope_id: null,
      recovery_link_id: null,
      created_at: at,
      renewed_at: at,
      expires_at: at + 7 * DAY,
      revoked_at: null,
      ip: '127.0.0.1',
      user_agent: UA,
    });
    const row = await t.db.selectFrom('login_requests').select(['status', 'consumed_at', 'pick_hash', 'pick_expires_at']).where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'consumed', consumed_at: at, pick_hash: null, pick_expires_at: null });

    const base = { tenant_id: shop.id, client_id: c.id, actor: 'client', ip: '127.0.0.1', created_at: at };
    const consumed = (await eventsAbout(request.id)).filter((e) => e.action === 'login.consumed');
    expect(consumed).toEqual([{ ...base, action: 'login.consumed', subject_id: request.id, data: JSON.stringify({ to: request.identifier.replace(/^(.).*@/, '$1***@'), via: 'link' }) }]);
    // The very text JSON.stringify writes on the other path, a user agent with quotes included.
    expect(await eventsAbout(sessionId)).toEqual([{ ...base, action: 'session.created', subject_id: sessionId, data: JSON.stringify({ kind: 'login', days: 7, userAgent: UA }) }]);
    // The metrics listeners hear each event once.
    expect(heard.map((e) => [e.action, e.tenantId, e.clientId, e.subjectId])).toEqual([
      ['login.consumed', shop.id, c.id, request.id],
      ['session.created', shop.id, c.id, sessionId],
    ]);
    expect(heard[1]!.data).toEqual({ kind: 'login', days: 7, userAgent: UA });
  });

  it('by code: the same session, with "code" in the consumed event', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const { browser } = await askLink(t, c.email!);
    const msg = await t.lastMessageTo(c.email!);
    const check = await browser.get('/client-login/check');
    const res = await browser.post('/client-login/code', { code: msg.code, _csrf: csrfOf(check.body) });
    expect(res.headers.location).toBe('/portal');
    const request = await t.db.selectFrom('login_requests').select(['id', 'status']).where('identifier', '=', c.email!).executeTakeFirstOrThrow();
    expect(request.status).toBe('consumed');
    const consumed = (await eventsAbout(request.id)).filter((e) => e.action === 'login.consumed');
    expect(consumed.map((e) => JSON.parse(e.data).via)).toEqual(['code']);
    const session = await t.db.selectFrom('sessions').select(['tenant_id', 'client_id']).where('id', '=', browser.cookie('session')!.split('.')[0]!).executeTakeFirstOrThrow();
    expect(session).toEqual({ tenant_id: shop.id, client_id: c.id });
  });

  it('two shops: no session yet; the picker’s secret on the login, one consumed event per shop', async () => {
    const [a, z] = [await makeShop(t, { name: 'Alpha Pools' }), await makeShop(t, { name: 'Zulu Lawns', sessionDays: 3 })];
    const email = `pick-${Date.now()}@example.com`;
    const [ca, cz] = [await makeClient(t, a.id, { email }), await makeClient(t, z.id, { email })];
    const { msg, request } = await linkFor(email);
    const before = await footprint(t);
    const at = t.clock.now();
    const { b, res, heard } = await redeem(msg.link);
    expect(res.headers.location).toBe('/choose-shop');
    expect(b.cookie('session')).toBeUndefined();
    expect((await footprint(t)).sessions).toBe(before.sessions);

    const pick = res.cookies.find((k) => k.name === 'sp_pick')!;
    expect(pick.maxAge).toBe(600);
    const row = await t.db.selectFrom('login_requests').select(['status', 'pick_hash', 'pick_expires_at']).where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'consumed', pick_hash: sha256(pick.value.split('.')[1]!), pick_expires_at: at + 10 * MINUTE });
    const consumed = (await eventsAbout(request.id)).filter((e) => e.action === 'login.consumed');
    expect(consumed.map((e) => [e.tenant_id, e.client_id])).toEqual([
      [a.id, ca.id],
      [z.id, cz.id],
    ]);
    expect(heard.map((e) => e.action)).toEqual(['login.consumed']);

    // The secret works: the chosen shop's session, for that shop's length.
    const picker = await b.get('/choose-shop');
    const chosen = await b.post('/choose-shop', { tenant: z.id, _csrf: csrfOf(picker.body) });
    expect(chosen.headers.location).toBe('/portal');
    const session = await t.db.selectFrom('sessions').select(['tenant_id', 'client_id', 'expires_at']).where('id', '=', b.cookie('session')!.split('.')[0]!).executeTakeFirstOrThrow();
    expect(session).toEqual({ tenant_id: z.id, client_id: cz.id, expires_at: at + 3 * DAY });
  });

  it('no shop left (the client was disabled since): the link is used up, no session, one event of no shop', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const { msg, request } = await linkFor(c.email!);
    await t.services.clients.update(shop.id, c.id, { status: 'disabled' });
    const before = await footprint(t);
    const { b, res } = await redeem(msg.link);
    expect(res.statusCode).toBe(410);
    expect(b.cookie('session')).toBeUndefined();
    expect((await footprint(t)).sessions).toBe(before.sessions);
    const row = await t.db.selectFrom('login_requests').select(['status', 'pick_hash']).where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'consumed', pick_hash: null });
    const events = (await eventsAbout(request.id)).filter((e) => e.action === 'login.consumed' || e.action === 'login.redemption_failed');
    // …and the answer is a dead link, audited as such (no shop to show it to).
    expect(events.map((e) => [e.action, e.tenant_id, e.client_id])).toEqual([
      ['login.consumed', null, null],
      ['login.redemption_failed', null, null],
    ]);
  });

  // Several links of one person (a client of two shops), each redeemed three times at once: one
  // caller consumes, and the others write no consumed event, no picker secret, no session.
  it('links of one person redeemed at once: one picker, and the callers that lost write nothing of a sign-in', async () => {
    const [a, z] = [await makeShop(t), await makeShop(t)];
    const email = `race-${Date.now()}@example.com`;
    await makeClient(t, a.id, { email });
    await makeClient(t, z.id, { email });
    const links: string[] = [];
    for (let i = 0; i < 3; i++) links.push((await linkFor(email)).msg.link);
    const attempts = links.flatMap((link) => [link, link, link]);
    const browsers = attempts.map(() => t.browser());
    const csrf = await Promise.all(browsers.map(async (b, i) => csrfOf((await b.get(attempts[i]!)).body)));
    const before = await footprint(t);
    const results = await Promise.all(browsers.map((b, i) => b.post(attempts[i]!, { _csrf: csrf[i]! })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([303, ...Array(8).fill(410)]);
    expect(results.find((r) => r.statusCode === 303)!.headers.location).toBe('/choose-shop');
    expect((await footprint(t)).sessions).toBe(before.sessions);
    const rows = await t.db.selectFrom('login_requests').select(['id', 'status', 'pick_hash']).where('identifier', '=', email).execute();
    expect(rows.map((r) => r.status).sort()).toEqual(['consumed', 'superseded', 'superseded']);
    expect(rows.filter((r) => r.pick_hash !== null).map((r) => r.status)).toEqual(['consumed']);
    const consumed = await t.db.selectFrom('audit_events').select('subject_id').where('action', '=', 'login.consumed').where('subject_id', 'in', rows.map((r) => r.id)).execute();
    expect(consumed).toHaveLength(2); // one per shop, all of the one consumed login
    expect(new Set(consumed.map((e) => e.subject_id))).toEqual(new Set([rows.find((r) => r.status === 'consumed')!.id]));
  });

  it('a link already used writes nothing but the failed attempt', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const { msg, request } = await linkFor(c.email!);
    expect((await redeem(msg.link)).res.statusCode).toBe(303);
    const before = await footprint(t);
    const consumedAt = (await t.db.selectFrom('login_requests').select('consumed_at').where('id', '=', request.id).executeTakeFirstOrThrow()).consumed_at;
    t.clock.advance(MINUTE);
    const again = await redeem(msg.link);
    expect(again.res.statusCode).toBe(410);
    expect(again.b.cookie('session')).toBeUndefined();
    const after = await footprint(t);
    // Two failed attempts (the page's GET and the POST), nothing else.
    expect({ sessions: after.sessions, audit: after.audit }).toEqual({ sessions: before.sessions, audit: before.audit + 2 });
    const last = (await eventsAbout(request.id)).slice(-2);
    expect(last.map((e) => [e.action, JSON.parse(e.data).reason])).toEqual([
      ['login.redemption_failed', 'consumed'],
      ['login.redemption_failed', 'consumed'],
    ]);
    const row = await t.db.selectFrom('login_requests').select(['status', 'consumed_at']).where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'consumed', consumed_at: consumedAt });
  });
});
