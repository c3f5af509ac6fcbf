// Issue 8, tests that were missing: an unexpected error (5xx) gives the friendly page or the JSON
// error with a request id and nothing of the stack or SQL; a declined payment reopens the
// invoice and charges nothing; and every error the API answers with is in its OpenAPI document.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentProvider } from '../../src/modules/payments/payment-provider.ts';
import { csrfOf } from '../helpers/browser.ts';
import { makeClient, makeInvoice, makeShop, signIn } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

describe(`an unexpected error (${storeKind})`, () => {
  const lines: string[] = [];
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ seed: false, env: { LOG_LEVEL: 'info' }, logStream: { write: (l: string) => void lines.push(l) } });
  });
  afterAll(async () => t?.close());

  it('gives the friendly page, or the JSON error, with a request id — no stack, no SQL', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const b = await signIn(t, c.email!);
    const key = (await t.services.apiKeys.create(shop.id, 'Office')).key;
    await sql`DROP TABLE service_reports`.execute(t.db); // the store breaks under the running server

    const page = await b.get('/portal/reports');
    expect(page.statusCode).toBe(500);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Something went wrong on our side');
    const ref = /reference: <strong>([A-Za-z0-9_-]+)<\/strong>/.exec(page.body)?.[1];
    expect(ref).toBeDefined();

    const api = await t.app.inject({ method: 'PUT', url: '/api/v1/reports/R-1', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify({ clientExternalId: c.external_id, serviceDate: '2026-11-24', technician: 'Dev' }) });
    expect(api.statusCode).toBe(500);
    expect(api.json()).toEqual({ error: { code: 'INTERNAL', message: expect.any(String), requestId: expect.any(String) } });

    for (const body of [page.body, api.body]) {
      expect(body).not.toMatch(/service_reports|SELECT|INSERT|relation|no such table|at \w+ \(|\.ts:\d+/i);
    }
    // The log has the details, under the same reference the person was given.
    const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; msg?: string; err?: { message?: string } }).find((l) => l.reqId === ref && l.msg === 'request failed');
    expect(logged?.err?.message).toMatch(/service_reports/);
  });
});

describe(`a declined payment (${storeKind})`, () => {
  const declining: PaymentProvider = {
    name: 'test-declines',
    async charge() {
      throw new Error('Card declined');
    },
  };
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ seed: false, payments: declining });
  });
  afterAll(async () => t?.close());

  it('says so, charges nothing, records nothing as paid, and reopens the invoice', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const inv = await makeInvoice(t, shop.id, c.external_id!, { cents: 12000 });
    const b = await signIn(t, c.email!);
    const page = await b.get(`/portal/invoices/${inv.id}`);
    const res = await b.post(`/portal/invoices/${inv.id}/pay`, { _csrf: csrfOf(page.body) });
    expect(res.statusCode).toBe(402);
    expect(res.body).toContain('The payment did not go through: Card declined. Nothing was charged; please try again.');
    expect(res.body).toContain('Pay $120.00'); // can try again at once
    expect((await t.db.selectFrom('invoices').select('status').where('id', '=', inv.id).executeTakeFirstOrThrow()).status).toBe('sent');
    expect(await t.db.selectFrom('payments').selectAll().where('invoice_id', '=', inv.id).execute()).toEqual([]);
    const audit = await t.db.selectFrom('audit_events').select('action').where('subject_id', '=', inv.id).execute();
    expect(audit.map((a) => a.action)).toContain('invoice.payment_declined');
    expect(audit.map((a) => a.action)).not.toContain('invoice.paid_by_client');
  });
});

describe(`the API answers only with errors its OpenAPI document lists (${storeKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ seed: false });
  });
  afterAll(async () => t?.close());

  it('provokes every error it can and finds each in the document, for that operation and status', async () => {
    const shop = await makeShop(t);
    const key = (await t.services.apiKeys.create(shop.id, 'Office')).key;
    const seen: { method: string; path: string; status: number; code: string }[] = [];
    const call = async (method: 'PUT' | 'POST', url: string, body: unknown, auth = `Bearer ${key}`, raw?: string) => {
      const res = await t.app.inject({ method, url, headers: { authorization: auth, 'content-type': 'application/json' }, payload: raw ?? JSON.stringify(body) });
      if (res.statusCode >= 400) seen.push({ method: method.toLowerCase(), path: url.replace(/\/(clients|invoices|reports)\/[^/]+/, '/$1/{externalId}'), status: res.statusCode, code: res.json().error.code });
      return res;
    };
    await call('PUT', '/api/v1/clients/a', { name: 'A' }, 'Bearer nope');
    await call('PUT', '/api/v1/clients/a', {}, undefined, '{"name": ');
    await call('PUT', '/api/v1/clients/a', { name: '' });
    await call('PUT', '/api/v1/clients/a', { name: 'A', email: 'a@nowhere' });
    await call('PUT', '/api/v1/clients/a', { name: 'A', phone: '12' });
    await call('PUT', '/api/v1/clients/a', { name: 'A' });
    await call('PUT', '/api/v1/clients/b', { name: 'B', email: 'b@example.com' });
    await call('PUT', '/api/v1/clients/c', { name: 'C', email: 'b@example.com' });
    await call('PUT', '/api/v1/clients/bad id', { name: 'X', email: 'x@example.com' });
    const inv = { clientExternalId: 'b', number: '1', lineItems: [{ description: 'Mowing', quantity: 1, unitCents: 4500 }], issueDate: '2026-11-20', dueDate: '2026-12-04' };
    await call('PUT', '/api/v1/invoices/I-1', { ...inv, clientExternalId: 'nobody' });
    await call('PUT', '/api/v1/invoices/I-1', { ...inv, dueDate: '2026-11-01' });
    await call('PUT', '/api/v1/invoices/I-1', { ...inv, lineItems: [{ description: 'Credit', quantity: 1, unitCents: -100 }] });
    await call('PUT', '/api/v1/invoices/I-1', inv);
    await call('POST', '/api/v1/invoices/I-1/void', {});
    await call('PUT', '/api/v1/invoices/I-1', inv);
    await call('POST', '/api/v1/invoices/I-1/paid', {});
    await call('POST', '/api/v1/invoices/NOPE/paid', {});
    await call('PUT', '/api/v1/reports/R-1', { clientExternalId: 'nobody', serviceDate: '2026-11-24', technician: 'Dev' });
    await call('POST', '/api/v1/emails', { type: 'invoice_sent', externalId: 'NOPE' });
    await call('POST', '/api/v1/emails', { type: 'invoice_sent', externalId: 'I-1' });
    await call('PUT', '/api/v1/clients/nomail', { name: 'No Mail', phone: '(512) 555-0177' });
    await call('PUT', '/api/v1/invoices/I-2', { ...inv, clientExternalId: 'nomail' });
    await call('POST', '/api/v1/emails', { type: 'invoice_sent', externalId: 'I-2' });
    await call('PUT', '/api/v1/clients/nomail', { name: 'No Mail', status: 'disabled' });
    await call('POST', '/api/v1/emails', { type: 'invoice_sent', externalId: 'I-2' });

    const doc = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
    const documented = (method: string, path: string, status: number) => doc.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema?.allOf?.[1]?.properties?.error?.properties?.code?.enum as string[] | undefined;
    for (const e of seen) expect(documented(e.method, e.path, e.status), `${e.method} ${e.path} ${e.status} ${e.code}`).toContain(e.code);
    // The ones the document used to lack.
    expect(seen).toContainEqual({ method: 'put', path: '/api/v1/invoices/{externalId}', status: 422, code: 'CLIENT_NOT_FOUND' });
    expect(seen).toContainEqual({ method: 'post', path: '/api/v1/emails', status: 422, code: 'NO_EMAIL' });
    expect(new Set(seen.map((e) => e.code))).toEqual(new Set(['UNAUTHENTICATED', 'BAD_REQUEST', 'VALIDATION_FAILED', 'INVALID_EMAIL', 'INVALID_PHONE', 'CONTACT_REQUIRED', 'CONTACT_TAKEN', 'CLIENT_NOT_FOUND', 'INVALID_INPUT', 'INVOICE_CLOSED', 'INVOICE_NOT_FOUND', 'NOT_FOUND', 'INVOICE_NOT_OPEN', 'NO_EMAIL', 'CLIENT_DISABLED']));
  });
});
