// The shop's own contact details (what its clients see): phone in E.164, email normalised, an
// address of at most 4 lines — set when the shop is created, by tenants.setContact, and by an
// owner on Settings → Shop details in the console; audited as shop.contact_changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/modules/demo/seed.ts';
import { csrfOf, type TestBrowser } from '../helpers/browser.ts';
import { makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { UNKNOWN_EMAIL_NOTICE: 'false' } });
});
afterAll(async () => t?.close());

const contactOf = (id: string) => t.db.selectFrom('tenants').select(['contact_phone', 'contact_email', 'address', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow();
const audits = (tenantId: string) => t.db.selectFrom('audit_events').select(['actor', 'data']).where('tenant_id', '=', tenantId).where('action', '=', 'shop.contact_changed').orderBy('id').execute();

async function ownerBrowser(shopId: string, role: 'owner' | 'staff' = 'owner') {
  const email = `${role}.${shopId.slice(0, 8)}@greenway.example`;
  await t.services.staff.add(shopId, { name: role === 'owner' ? 'Gina Green' : 'Sam Staff', email, role });
  const b = t.browser();
  const page = await b.get('/shop/sign-in');
  await b.post('/shop/sign-in', { identifier: email, _csrf: csrfOf(page.body) });
  expect((await b.get((await t.lastMessageTo(email)).link)).headers.location).toBe('/shop');
  return b;
}

describe(`shop contact details (${storeKind})`, () => {
  it('the demo shops have theirs', async () => {
    const [lawn, pools] = await Promise.all(demo.shops.map((s) => t.services.tenants.resolve(s.slug)));
    expect(lawn).toMatchObject({ contact_phone: '+15125550100', contact_email: 'hello@greenway.example', address: '4100 Burnet Rd\nAustin, TX 78756' });
    expect(pools).toMatchObject({ contact_phone: '+15125550199', contact_email: 'hello@bluewave.example' });
    expect(pools!.address).toMatch(/\nAustin, TX 787\d\d$/);
  });

  it('are normalised when a shop is created, and a bad one stops the creation', async () => {
    const shop = await t.services.tenants.create({ name: 'Sunny Pest', slug: 'sunny-contact', contactPhone: '(512) 555-0123', contactEmail: ' Hello@SunnyPest.Example ', address: '  12 Oak St \r\n\n  Austin,   TX 78701  ' });
    expect(shop).toMatchObject({ contact_phone: '+15125550123', contact_email: 'hello@sunnypest.example', address: '12 Oak St\nAustin, TX 78701' });
    await expect(t.services.tenants.create({ name: 'Bad', slug: 'bad-contact', contactPhone: '555' })).rejects.toMatchObject({ code: 'INVALID_CONTACT_PHONE', field: 'contactPhone', message: expect.stringContaining('Include the area code') });
    expect(await t.services.tenants.bySlug('bad-contact')).toBeUndefined();
    const none = await makeShop(t);
    expect(none).toMatchObject({ contact_phone: null, contact_email: null, address: null });
  });

  it('setContact changes the fields given, clears with "", leaves the others, and audits before and after', async () => {
    const shop = await makeShop(t);
    const set = await t.services.tenants.setContact(shop.id, { contactPhone: '+1 512 555 0111', contactEmail: 'Office@Shop.Example', address: 'Line 1\nLine 2' });
    expect(set).toMatchObject({ contact_phone: '+15125550111', contact_email: 'office@shop.example', address: 'Line 1\nLine 2' });
    await t.services.tenants.setContact(shop.id, { contactEmail: '' });
    expect(await contactOf(shop.id)).toMatchObject({ contact_phone: '+15125550111', contact_email: null, address: 'Line 1\nLine 2' });
    const events = await audits(shop.id);
    expect(events).toHaveLength(2);
    expect(events[1]!.actor).toBe('operator');
    expect(JSON.parse(events[1]!.data)).toEqual({
      changed: ['contactEmail'],
      before: { contactPhone: '+15125550111', contactEmail: 'office@shop.example', address: 'Line 1\nLine 2' },
      after: { contactPhone: '+15125550111', contactEmail: null, address: 'Line 1\nLine 2' },
    });
    // The same details again: nothing written, nothing audited.
    await t.services.tenants.setContact(shop.id, { contactPhone: '(512) 555-0111' });
    expect(await audits(shop.id)).toHaveLength(2);
  });

  it('refuses a bad phone, email or address with what to fix, and changes nothing', async () => {
    const shop = await makeShop(t);
    await t.services.tenants.setContact(shop.id, { contactPhone: '+15125550122' });
    const before = await contactOf(shop.id);
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ contactPhone: '12' }, 'contactPhone', /phone number doesn’t look right/],
      [{ contactEmail: 'hello@nowhere' }, 'contactEmail', /email address doesn’t look complete/],
      [{ address: 'a\nb\nc\nd\ne' }, 'address', /has 5 lines; use at most 4/],
      [{ address: 'x'.repeat(201) }, 'address', /201 characters long; keep it to 200/],
      [{ address: 'Main St\u0007 Suite 4' }, 'address', /control characters/],
      // One good field does not sneak past a bad one.
      [{ contactEmail: 'good@shop.example', contactPhone: 'nope' }, 'contactPhone', /phone number/],
    ];
    for (const [input, field, message] of cases) {
      await expect(t.services.tenants.setContact(shop.id, input), JSON.stringify(input)).rejects.toMatchObject({ status: 400, field, message: expect.stringMatching(message) });
    }
    expect(await contactOf(shop.id)).toEqual(before);
    expect(await audits(shop.id)).toHaveLength(1);
  });
});

describe(`Settings → Shop details in the console (${storeKind})`, () => {
  let shopId: string;
  let b: TestBrowser;
  beforeAll(async () => {
    shopId = (await makeShop(t)).id;
    await t.services.tenants.setContact(shopId, { contactPhone: '+15125550100', address: '4100 Burnet Rd\nAustin, TX 78756' });
    b = await ownerBrowser(shopId);
  });

  it('shows the details as people write them, and saves what the owner types, audited with their name', async () => {
    const page = await b.get('/shop/settings/shop');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('aria-current="page">Shop details</a>');
    expect(page.body).toContain('value="(512) 555-0100"');
    expect(page.body).toContain('>4100 Burnet Rd\nAustin, TX 78756</textarea>');
    const saved = await b.post('/shop/settings/shop', { _csrf: csrfOf(page.body), contactPhone: '512-555-0177', contactEmail: 'Hi@Greenway.Example', address: '4100 Burnet Rd\r\nSuite 2\r\nAustin, TX 78756' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/shop/settings/shop?saved=1');
    expect(await contactOf(shopId)).toMatchObject({ contact_phone: '+15125550177', contact_email: 'hi@greenway.example', address: '4100 Burnet Rd\nSuite 2\nAustin, TX 78756' });
    expect((await b.get('/shop/settings/shop?saved=1')).body).toContain('Saved.');
    const event = (await audits(shopId)).at(-1)!;
    expect(event.actor).toBe('owner');
    expect(JSON.parse(event.data)).toMatchObject({ by: 'Gina Green', changed: ['contactPhone', 'contactEmail', 'address'], after: { contactPhone: '+15125550177' } });
    const log = await b.get('/shop/audit?action=shop.contact_changed');
    expect(log.body).toContain('Shop contact details changed');
  });

  it('keeps what was typed and says what to fix; nothing changes', async () => {
    const before = await contactOf(shopId);
    const events = (await audits(shopId)).length;
    const page = await b.get('/shop/settings/shop');
    const bad = await b.post('/shop/settings/shop', { _csrf: csrfOf(page.body), contactPhone: '555-01', contactEmail: 'typed@shop.example', address: 'Typed St' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('The shop’s phone number doesn’t look right');
    expect(bad.body).toMatch(/id="contactPhone"[^>]*value="555-01"[^>]*aria-invalid="true"/);
    expect(bad.body).toContain('value="typed@shop.example"');
    expect(bad.body).toContain('>Typed St</textarea>');
    expect(await contactOf(shopId)).toEqual(before);
    expect(await audits(shopId)).toHaveLength(events);
  });

  it('refuses a form without its CSRF token, and changes nothing', async () => {
    const before = await contactOf(shopId);
    const res = await b.post('/shop/settings/shop', { contactPhone: '+15125550155', contactEmail: '', address: '' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This page was open too long');
    expect(res.body).toContain('value="+15125550155"');
    expect(await contactOf(shopId)).toEqual(before);
  });

  it('is for owners only: staff get a 403 page and change nothing', async () => {
    const staff = await ownerBrowser(shopId, 'staff');
    expect((await staff.get('/shop/clients')).body).not.toContain('Shop details');
    const page = await staff.get('/shop/settings/shop');
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('Owners only');
    const before = await contactOf(shopId);
    const csrf = csrfOf((await staff.get('/shop/clients')).body);
    expect((await staff.post('/shop/settings/shop', { _csrf: csrf, contactPhone: '+15125550144', contactEmail: '', address: '' })).statusCode).toBe(403);
    expect(await contactOf(shopId)).toEqual(before);
  });
});
