// The shop's side (integration API) to the homeowner's side (email, one tap, pay), and every rule
// of the signed links: paid, void, 90 days, tampering, key rotation, contact change, wrong shop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../../src/lib/clock.ts';
import { demo } from '../../src/modules/demo/seed.ts';
import { csrfOf } from '../helpers/browser.ts';
import { makeClient, makeInvoice, makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

const OLD_KEY = 'k2026a:old-signing-secret-old-signing-secret-0001';
const NEW_KEY = 'k2026b:new-signing-secret-new-signing-secret-0002';

let t: TestServer;
let keyLawn: string;
let keyPools: string;

beforeAll(async () => {
  t = await startTestServer({ env: { LINK_SIGNING_KEYS: OLD_KEY } });
  keyLawn = (await t.services.apiKeys.create(t.demo!.tenants[0]!.id, 'Lawn office')).key;
  keyPools = (await t.services.apiKeys.create(t.demo!.tenants[1]!.id, 'Pools office')).key;
  await api('PUT', '/api/v1/clients/maria', { name: 'Maria Lopez', email: demo.oneShop.email, phone: demo.oneShop.phone });
});
afterAll(async () => t?.close());

function api(method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown, key: string | null = keyLawn) {
  return t.app.inject({ method, url, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
}

let seq = 0;
async function newInvoice(over: Record<string, unknown> = {}) {
  const externalId = `INV-${++seq}`;
  const res = await api('PUT', `/api/v1/invoices/${externalId}`, {
    clientExternalId: 'maria',
    number: `10${seq}`,
    lineItems: [{ description: 'Weekly mowing', quantity: 4, unitCents: 4500 }, { description: 'Hedge trim', quantity: 1, unitCents: 6000 }],
    issueDate: '2026-11-20',
    dueDate: '2026-12-04',
    ...over,
  });
  expect(res.statusCode).toBe(201);
  return { externalId, id: res.json().invoice.id as string };
}

async function emailLink(type: string, externalId: string) {
  t.clock.advance(1000);
  const res = await api('POST', '/api/v1/emails', { type, externalId });
  expect(res.statusCode).toBe(202);
  await t.worker.runOnce();
  // The newest message with a signed link (a receipt for an earlier payment may go out in the same pass).
  const m = (await t.messagesTo(demo.oneShop.email)).find((x) => /\/s\//.test(x.text));
  const link = /https?:\/\/\S+\/s\/[A-Za-z0-9_~.-]+/.exec(m!.text)?.[0];
  if (!link) throw new Error(`no signed link in:\n${m!.text}`);
  return { message: m!, link };
}

const rejections = async () => (await t.db.selectFrom('audit_events').select('data').where('action', '=', 'link.rejected').orderBy('id').execute()).map((e) => JSON.parse(e.data).reason);

describe(`integration API (${storeKind})`, () => {
  it('refuses requests without a valid key, in the one error shape', async () => {
    const none = await api('PUT', '/api/v1/clients/x', { name: 'X' }, null);
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.stringContaining('Bearer') } });
    expect((await api('PUT', '/api/v1/clients/x', { name: 'X' }, `spk_${'0'.repeat(32)}_${'a'.repeat(43)}`)).statusCode).toBe(401);
    const { id, key } = await t.services.apiKeys.create(t.demo!.tenants[0]!.id, 'Temporary');
    expect((await api('PUT', '/api/v1/clients/tmp', { name: 'Tmp', email: 'tmp@example.com' }, key)).statusCode).toBe(201);
    await t.services.apiKeys.revoke(t.demo!.tenants[0]!.id, id);
    expect((await api('PUT', '/api/v1/clients/tmp', { name: 'Tmp' }, key)).statusCode).toBe(401);
  });

  it('explains invalid bodies with the field that is wrong', async () => {
    const res = await api('PUT', '/api/v1/invoices/BAD-1', { clientExternalId: 'maria', number: '1', lineItems: [], issueDate: '2026-11-20', dueDate: 'soon' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'lineItems' });
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toEqual(['lineItems', 'dueDate']);
    const extra = await api('PUT', '/api/v1/clients/maria', { name: 'Maria', colour: 'red' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.message).toMatch(/colour/);
    const badEmail = await api('PUT', '/api/v1/clients/z', { name: 'Z', email: 'z@nowhere' });
    expect(badEmail.json().error).toMatchObject({ code: 'INVALID_EMAIL' });
  });

  it('creates and updates idempotently by the shop’s own ids', async () => {
    const again = await api('PUT', '/api/v1/clients/maria', { name: 'Maria Lopez', email: demo.oneShop.email, phone: demo.oneShop.phone });
    expect(again.statusCode).toBe(200);
    const clients = await t.db.selectFrom('clients').select('id').where('external_id', '=', 'maria').execute();
    expect(clients).toHaveLength(1);
    const { externalId } = await newInvoice();
    const upd = await api('PUT', `/api/v1/invoices/${externalId}`, { clientExternalId: 'maria', number: `10${seq}`, lineItems: [{ description: 'Mowing', quantity: 1, unitCents: 5000 }], issueDate: '2026-11-20', dueDate: '2026-12-04' });
    expect(upd.statusCode).toBe(200);
    expect(upd.json().invoice).toMatchObject({ totalCents: 5000, status: 'sent' });
  });

  it('keeps shops apart', async () => {
    // Pools' key cannot reach Lawn's client or invoice.
    const res = await api('PUT', '/api/v1/invoices/P-1', { clientExternalId: 'maria', number: '1', lineItems: [{ description: 'x', quantity: 1, unitCents: 100 }], issueDate: '2026-11-20', dueDate: '2026-11-21' }, keyPools);
    expect(res.json().error.code).toBe('CLIENT_NOT_FOUND');
    const { externalId } = await newInvoice();
    expect((await api('POST', `/api/v1/invoices/${externalId}/void`, undefined, keyPools)).statusCode).toBe(404);
    expect((await api('POST', '/api/v1/emails', { type: 'invoice_sent', externalId }, keyPools)).statusCode).toBe(404);
  });

  it('rejects impossible dates and keeps a client created as disabled disabled', async () => {
    const bad = await api('PUT', '/api/v1/invoices/DATE-1', { clientExternalId: 'maria', number: 'd1', lineItems: [{ description: 'x', quantity: 1, unitCents: 100 }], issueDate: '2026-02-31', dueDate: '2026-03-01' });
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'issueDate' });
    const dis = await api('PUT', '/api/v1/clients/dis-1', { name: 'Cancelled Customer', email: 'cancelled@example.com', status: 'disabled' });
    expect(dis.statusCode).toBe(201);
    expect(dis.json().client.status).toBe('disabled');
  });

  it('answers two identical PUTs sent at the same moment with one creation and one update', async () => {
    const body = { clientExternalId: 'maria', number: 'twin', lineItems: [{ description: 'x', quantity: 1, unitCents: 100 }], issueDate: '2026-11-20', dueDate: '2026-11-30' };
    const res = await Promise.all([api('PUT', '/api/v1/invoices/TWIN-1', body), api('PUT', '/api/v1/invoices/TWIN-1', body)]);
    expect(res.map((r) => r.statusCode).sort()).toEqual([200, 201]);
    const clients = await Promise.all([api('PUT', '/api/v1/clients/twin', { name: 'Twin', email: 'twin@example.com' }), api('PUT', '/api/v1/clients/twin', { name: 'Twin', email: 'twin@example.com' })]);
    expect(clients.map((r) => r.statusCode).sort()).toEqual([200, 201]);
  });

  // Regression: the shop's re-PUT or "mark paid" during a client's payment reopened or lost it.
  it('leaves an invoice alone while a payment is with the provider', async () => {
    const { externalId, id } = await newInvoice();
    const maria = await t.services.clients.resolve(t.demo!.tenants[0]!.id, demo.oneShop.email);
    const { invoicesRepo } = await import('../../src/modules/invoices/invoices.repo.ts');
    expect(await invoicesRepo(t.db).claimForPayment(t.demo!.tenants[0]!.id, maria.id, id, t.clock.now())).toMatchObject({ total_cents: 24000 });
    const put = await api('PUT', `/api/v1/invoices/${externalId}`, { clientExternalId: 'maria', number: 'x', lineItems: [{ description: 'x', quantity: 1, unitCents: 100 }], issueDate: '2026-11-20', dueDate: '2026-11-30' });
    expect(put.statusCode).toBe(409);
    expect((await api('POST', `/api/v1/invoices/${externalId}/paid`)).json().error.code).toBe('PAYMENT_IN_PROGRESS');
    expect((await t.db.selectFrom('invoices').select(['status', 'total_cents']).where('id', '=', id).executeTakeFirstOrThrow())).toEqual({ status: 'paying', total_cents: 24000 });
  });

  it('publishes an OpenAPI document built from the same schemas', async () => {
    const doc = (await api('GET', '/api/v1/openapi.json', undefined, null)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/clients/{externalId}', '/api/v1/invoices/{externalId}', '/api/v1/invoices/{externalId}/paid', '/api/v1/invoices/{externalId}/void', '/api/v1/reports/{externalId}', '/api/v1/emails']));
    expect(doc.components.schemas.Invoice.properties.lineItems.items.properties.unitCents.type).toBe('integer');
    expect(doc.components.schemas.Email.properties.type.enum).toEqual(['invoice_sent', 'invoice_reminder', 'service_report']);
  });
});

describe(`signed links in automated emails (${storeKind})`, () => {
  it('one tap from the invoice email signs in on the invoice, paying works once, then the link is done', async () => {
    const { externalId, id } = await newInvoice();
    const { message, link } = await emailLink('invoice_sent', externalId);
    expect(message.subject).toBe(`Invoice 10${seq} from Greenway Lawn Care: $240.00`);
    expect(message.html).toContain('View and pay $240.00');

    const b = t.browser();
    const res = await b.get(link);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/portal/invoices/${id}`);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const sid = b.cookie('session')!.split('.')[0]!;
    expect((await t.db.selectFrom('sessions').select('kind').where('id', '=', sid).executeTakeFirstOrThrow()).kind).toBe('link');

    const page = await b.get(res.headers.location as string);
    expect(page.body).toContain('Pay $240.00');
    expect(page.body).toContain('Weekly mowing');
    const csrf = csrfOf(page.body);
    const paid = await b.post(`/portal/invoices/${id}/pay`, { _csrf: csrf });
    expect(paid.headers.location).toBe(`/portal/invoices/${id}?paid=1`);
    const receipt = await b.get(paid.headers.location as string);
    expect(receipt.body).toContain('Payment received');
    expect(receipt.body).toMatch(/Payment reference test_/);
    const twice = await b.post(`/portal/invoices/${id}/pay`, { _csrf: csrf });
    expect(twice.statusCode).toBe(409);
    expect(await t.db.selectFrom('payments').select('id').where('invoice_id', '=', id).execute()).toHaveLength(1);

    const after = t.browser();
    const closed = await after.get(link);
    expect(closed.statusCode).toBe(200);
    expect(closed.body).toContain('This invoice is paid');
    expect(after.cookie('session')).toBeUndefined();
  });

  it('pays exactly once when the button is pressed twice at the same moment', async () => {
    const { externalId, id } = await newInvoice();
    const { link } = await emailLink('invoice_reminder', externalId);
    const b = t.browser();
    await b.get(link);
    const csrf = csrfOf((await b.get(`/portal/invoices/${id}`)).body);
    const results = await Promise.all([b.post(`/portal/invoices/${id}/pay`, { _csrf: csrf }), b.post(`/portal/invoices/${id}/pay`, { _csrf: csrf })]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([303, 409]);
    expect(await t.db.selectFrom('payments').select('id').where('invoice_id', '=', id).execute()).toHaveLength(1);
  });

  it('stops signing in when the invoice is voided, or paid through the API', async () => {
    for (const to of ['void', 'paid'] as const) {
      const { externalId } = await newInvoice();
      const { link } = await emailLink('invoice_sent', externalId);
      expect((await api('POST', `/api/v1/invoices/${externalId}/${to}`)).json().invoice.status).toBe(to);
      const b = t.browser();
      const res = await b.get(link);
      expect(res.body).toContain(to === 'void' ? 'This invoice was cancelled' : 'This invoice is paid');
      expect(b.cookie('session')).toBeUndefined();
    }
    expect((await rejections()).slice(-2)).toEqual(['invoice_void', 'invoice_paid']);
  });

  it('stops after 90 days', async () => {
    const { externalId } = await newInvoice();
    const { link } = await emailLink('invoice_sent', externalId);
    t.clock.advance(90 * DAY + 1000);
    expect((await t.browser().get(link)).statusCode).toBe(410);
    expect((await rejections()).at(-1)).toBe('expired');
  });

  it('rejects a tampered link and audits it', async () => {
    const { externalId } = await newInvoice();
    const { link } = await emailLink('invoice_sent', externalId);
    const sig = link.slice(link.lastIndexOf('.') + 1);
    const tampered = `${link.slice(0, link.lastIndexOf('.') + 1)}${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const b = t.browser();
    expect((await b.get(tampered)).statusCode).toBe(410);
    expect((await b.get(link.replace('/s/v1~', '/s/v2~'))).statusCode).toBe(410);
    expect(b.cookie('session')).toBeUndefined();
    expect((await rejections()).slice(-2)).toEqual(['bad_signature', 'malformed']);
  });

  it('verifies links of an older key after rotation, and refuses them once it is retired', async () => {
    const { externalId } = await newInvoice();
    const { link } = await emailLink('invoice_sent', externalId);
    const rotated = await startTestServer({ db: t.db, seed: false, env: { LINK_SIGNING_KEYS: `${NEW_KEY},${OLD_KEY}` } });
    const retired = await startTestServer({ db: t.db, seed: false, env: { LINK_SIGNING_KEYS: NEW_KEY } });
    try {
      const path = link.replace(/^https?:\/\/[^/]+/, '');
      expect((await rotated.app.inject({ url: path })).statusCode).toBe(303);
      const fresh = rotated.services.links.urlFor({ tenantId: t.demo!.tenants[0]!.id, clientId: (await t.services.clients.resolve(t.demo!.tenants[0]!.id, demo.oneShop.email)).id, linkVersion: 1, object: 'invoice', objectId: (await t.db.selectFrom('invoices').select('id').where('external_id', '=', externalId).executeTakeFirstOrThrow()).id });
      expect(fresh.url).toContain('~k2026b~');
      expect((await retired.app.inject({ url: path })).statusCode).toBe(410);
      expect((await rejections()).at(-1)).toBe('unknown_key');
    } finally {
      await rotated.app.close();
      await retired.app.close();
    }
  });

  it('dies when the client’s contact details change', async () => {
    const { shop, c, link } = await ownLink();
    const opened = t.browser();
    await opened.get(link); // a session from the link, before the change
    await t.services.clients.update(shop.id, c.id, { phone: '+1 512 555 0199' });
    expect((await t.browser().get(link)).statusCode).toBe(410);
    // Regression: the link's session outlived the contact change.
    expect((await opened.get('/portal')).statusCode).toBe(303);
    expect((await rejections()).at(-1)).toBe('client_changed');
  });

  it('dies, with the sessions, when the shop is disabled', async () => {
    const { shop, link } = await ownLink();
    const b = t.browser();
    await b.get(link);
    await t.services.tenants.setStatus(shop.id, 'disabled');
    expect((await b.get('/portal')).statusCode).toBe(303);
    expect((await t.browser().get(link)).statusCode).toBe(410);
    expect((await rejections()).at(-1)).toBe('shop_disabled');
  });

  it('refuses a link whose shop and client do not belong together', async () => {
    const lawn = t.demo!.tenants[0]!;
    const pools = t.demo!.tenants[1]!;
    const maria = await t.services.clients.resolve(lawn.id, demo.oneShop.email);
    const { id } = await newInvoice();
    const url = t.services.links.urlFor({ tenantId: pools.id, clientId: maria.id, linkVersion: maria.link_version, object: 'invoice', objectId: id }).url;
    expect((await t.browser().get(url)).statusCode).toBe(410);
    expect((await rejections()).at(-1)).toBe('client_not_in_shop');
  });

  it('lands on a service report from its email', async () => {
    const put = await api('PUT', '/api/v1/reports/VISIT-1', { clientExternalId: 'maria', serviceDate: '2026-11-24', technician: 'Dev Patel', title: 'Weekly lawn service', notes: 'Mowed front and back. Edged the driveway.', checklist: [{ item: 'Mow', done: true }, { item: 'Aerate', done: false }] });
    expect(put.statusCode).toBe(201);
    const { message, link } = await emailLink('service_report', 'VISIT-1');
    expect(message.subject).toBe('Your service report from Greenway Lawn Care — November 24, 2026');
    const b = t.browser();
    const res = await b.get(link);
    expect(res.headers.location).toBe(`/portal/reports/${put.json().report.id}`);
    const page = await b.get(res.headers.location as string);
    expect(page.body).toContain('Edged the driveway');
    expect(page.body).toContain('Aerate<span class="sr-only"> (not done)</span>');
  });
});

describe(`portal (${storeKind})`, () => {
  async function loginSession(identifier = demo.oneShop.email) {
    const b = t.browser();
    await b.submit('/client-login', { identifier });
    const msg = await t.lastMessageTo(identifier);
    await b.get(msg.link);
    return b;
  }

  it('lists open invoices first and never shows a draft, or another client’s or shop’s objects', async () => {
    const { id } = await newInvoice({ dueDate: '2026-12-30' });
    const paid = await newInvoice();
    expect((await api('POST', `/api/v1/invoices/${paid.externalId}/paid`)).statusCode).toBe(200);
    const draft = await newInvoice({ status: 'draft' });
    const b = await loginSession();
    const list = await b.get('/portal/invoices');
    expect(list.body).toContain(`/portal/invoices/${id}`);
    expect(list.body).toContain(`/portal/invoices/${paid.id}`);
    expect(list.body).not.toContain(draft.id);
    expect((await b.get('/portal')).body).not.toContain(draft.id);
    expect(list.body.indexOf('Open')).toBeLessThan(list.body.indexOf('Paid'));
    const sam = await loginSessionPick();
    expect((await sam.get(`/portal/invoices/${id}`)).statusCode).toBe(404);
    expect((await sam.get('/portal/invoices')).body).not.toContain(id);
    const csrf = csrfOf((await sam.get('/portal')).body);
    expect((await sam.post(`/portal/invoices/${id}/pay`, { _csrf: csrf })).statusCode).toBe(404);
  });

  it('needs a fresh login link to change contact details (step-up)', async () => {
    const { shop, c, link } = await ownLink();
    const viaLink = t.browser();
    await viaLink.get(link);
    const profile = await viaLink.get('/portal/profile');
    expect(profile.body).toContain('See all your invoices');
    expect(profile.body).not.toContain('name="email"');
    expect(profile.body).not.toContain(c.email!);
    const refused = await viaLink.post('/portal/profile', { _csrf: csrfOf(profile.body), email: 'attacker@example.com', phone: '' });
    expect(refused.statusCode).toBe(403);
    expect((await t.services.clients.get(shop.id, c.id))!.email).toBe(c.email);
    const stepUp = await viaLink.post('/portal/send-link', { _csrf: csrfOf(profile.body) });
    expect(stepUp.headers.location).toBe('/client-login/check');
    const msg = await t.lastMessageTo(c.email!);
    expect((await viaLink.get(msg.link)).headers.location).toBe('/portal');

    const form = await viaLink.get('/portal/profile');
    expect(form.body).toContain('name="email"');
    const bad = await viaLink.post('/portal/profile', { _csrf: csrfOf(form.body), email: 'maria@', phone: '' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('value="maria@"');
    const saved = await viaLink.post('/portal/profile', { _csrf: csrfOf(form.body), email: c.email!, phone: '+1 512 555 0177' });
    expect(saved.headers.location).toBe('/portal/profile?saved=1');
    expect(await t.services.clients.get(shop.id, c.id)).toMatchObject({ phone: '+15125550177', link_version: c.link_version + 1 });
  });
});

/** A shop, client and invoice of this test's own, and the signed link of the invoice's email. */
async function ownLink() {
  const shop = await makeShop(t);
  const c = await makeClient(t, shop.id);
  const inv = await makeInvoice(t, shop.id, c.external_id!);
  const { url: link } = t.services.links.urlFor({ tenantId: shop.id, clientId: c.id, linkVersion: c.link_version, object: 'invoice', objectId: inv.id });
  return { shop, c, inv, link };
}

async function loginSessionPick() {
  const b = t.browser();
  await b.submit('/client-login', { identifier: demo.bothShops.email });
  const msg = await t.lastMessageTo(demo.bothShops.email);
  await b.get(msg.link);
  const picker = await b.get('/choose-shop');
  await b.post('/choose-shop', { tenant: t.demo!.tenants[0]!.id, _csrf: csrfOf(picker.body) });
  return b;
}
