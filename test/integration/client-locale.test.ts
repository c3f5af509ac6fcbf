// A client's preferred language: set and read through the integration API (published in the
// OpenAPI document), and by clients.setLocale for the profile page — never a contact change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/modules/demo/seed.ts';
import { makeClient, makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
let key: string;
let shopId: string;

beforeAll(async () => {
  t = await startTestServer();
  shopId = t.demo!.tenants[0]!.id;
  key = (await t.services.apiKeys.create(shopId, 'Office')).key;
});
afterAll(async () => t?.close());

function put(externalId: string, body: unknown) {
  return t.app.inject({ method: 'PUT', url: `/api/v1/clients/${externalId}`, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
}
const row = (id: string) => t.db.selectFrom('clients').select(['locale', 'link_version', 'email']).where('id', '=', id).executeTakeFirstOrThrow();
const audits = (clientId: string, action: string) => t.db.selectFrom('audit_events').select(['actor', 'data']).where('client_id', '=', clientId).where('action', '=', action).orderBy('id').execute();

describe(`preferred language through the API (${storeKind})`, () => {
  it('creates a client with a language and answers with it; null when not said', async () => {
    const created = await put('rosa', { name: 'Rosa Díaz', email: 'rosa@example.com', locale: 'es' });
    expect(created.statusCode).toBe(201);
    expect(created.json().client).toMatchObject({ externalId: 'rosa', locale: 'es' });
    const plain = await put('ted', { name: 'Ted Lee', email: 'ted@example.com' });
    expect(plain.json().client.locale).toBeNull();
  });

  it('changes it without touching links or sessions, keeps it when left out, clears it with null', async () => {
    const first = (await put('ana', { name: 'Ana Ruiz', email: 'ana.ruiz@example.com', locale: 'en' })).json().client;
    const before = await row(first.id);
    const changed = await put('ana', { name: 'Ana Ruiz', email: 'ana.ruiz@example.com', locale: 'es' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().client.locale).toBe('es');
    expect(await row(first.id)).toEqual({ ...before, locale: 'es' }); // link_version unchanged
    expect(JSON.parse((await audits(first.id, 'client.updated')).at(-1)!.data).changed).toEqual(['locale']);
    expect((await put('ana', { name: 'Ana Ruiz', email: 'ana.ruiz@example.com' })).json().client.locale).toBe('es');
    expect((await put('ana', { name: 'Ana Ruiz', locale: null })).json().client.locale).toBeNull();
  });

  it('refuses any other value with the allowed ones named, and changes nothing', async () => {
    const c = (await put('bea', { name: 'Bea Soto', email: 'bea@example.com', locale: 'es' })).json().client;
    for (const locale of ['fr', 'ES', 'es-MX', '', 1]) {
      const res = await put('bea', { name: 'Bea Soto', email: 'bea@example.com', locale });
      expect(res.statusCode, String(locale)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'locale' });
      expect(res.json().error.message).toBe('locale: must be one of "en", "es" (the client’s preferred language)');
    }
    expect((await row(c.id)).locale).toBe('es');
    const refused = await put('nobody', { name: 'No Body', email: 'nobody@example.com', locale: 'de' });
    expect(refused.statusCode).toBe(400);
    expect(await t.db.selectFrom('clients').select('id').where('external_id', '=', 'nobody').execute()).toEqual([]);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
    const locale = doc.components.schemas.Client.properties.locale;
    expect(JSON.stringify(locale)).toContain('"enum":["en","es"]');
    expect(locale.description).toContain('preferred language');
  });
});

describe(`clients.setLocale (${storeKind})`, () => {
  it('sets the language only, audited as client.locale_changed with before and after', async () => {
    const lucia = await t.services.clients.resolve(shopId, demo.spanish.email);
    expect(lucia.locale).toBe('es');
    const before = await row(lucia.id);
    await t.services.clients.setLocale(shopId, lucia.id, 'en', 'client');
    expect(await row(lucia.id)).toEqual({ ...before, locale: 'en' });
    const [event] = await audits(lucia.id, 'client.locale_changed');
    expect(event!.actor).toBe('client');
    expect(JSON.parse(event!.data)).toMatchObject({ before: 'es', after: 'en' });
    await t.services.clients.setLocale(shopId, lucia.id, 'es', 'owner', { by: 'Gina Green' });
    await t.services.clients.setLocale(shopId, lucia.id, 'es', 'api');
    const all = await audits(lucia.id, 'client.locale_changed');
    expect(all).toHaveLength(2); // the same language again writes nothing
    expect(all[1]!.actor).toBe('owner');
    expect(JSON.parse(all[1]!.data)).toMatchObject({ by: 'Gina Green', before: 'en', after: 'es' });
  });

  it('keeps a signed-in client signed in, and records the API as the shop’s system', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const b = t.browser();
    await b.submit('/client-login', { identifier: c.email! });
    await b.get((await t.lastMessageTo(c.email!)).link);
    await t.services.clients.setLocale(shop.id, c.id, 'es', 'api');
    expect((await b.get('/portal')).statusCode).toBe(200);
    expect((await audits(c.id, 'client.locale_changed'))[0]!.actor).toBe('system');
  });

  it('refuses another language or another shop’s client, and changes nothing', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await expect(t.services.clients.setLocale(shop.id, c.id, 'fr' as never, 'client')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'must be one of "en", "es" (the client’s preferred language)' });
    await expect(t.services.clients.setLocale(shopId, c.id, 'es', 'client')).rejects.toMatchObject({ code: 'CLIENT_NOT_FOUND' });
    expect((await row(c.id)).locale).toBeNull();
    expect(await audits(c.id, 'client.locale_changed')).toEqual([]);
  });
});
