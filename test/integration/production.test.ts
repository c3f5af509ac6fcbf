// Production mode: https cookies with the __Host- prefix, HSTS, no development outbox, and the
// whole flow through real SMTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/modules/demo/seed.ts';
import { csrfOf } from '../helpers/browser.ts';
import { extractLink, startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';
import { startFakeProviders } from '../helpers/fake-providers.ts';

let providers: Awaited<ReturnType<typeof startFakeProviders>>;
let smtp: typeof providers.smtp;
let twilio: typeof providers.twilio;
let t: TestServer;

beforeAll(async () => {
  providers = await startFakeProviders({ accountSid: `AC${'2'.repeat(32)}`, from: `MG${'3'.repeat(32)}` });
  ({ smtp, twilio } = providers);
  t = await startTestServer({ env: { NODE_ENV: 'production', PUBLIC_URL: 'https://portal.example.com', ...providers.env } });
});
afterAll(async () => {
  await t?.close();
  await providers?.close();
});

describe(`production mode (${storeKind})`, () => {
  it('has no development outbox', async () => {
    expect((await t.app.inject({ url: '/dev/outbox' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/dev/outbox.json' })).statusCode).toBe(404);
  });

  it('uses Secure __Host- cookies and HSTS, and signs in through emailed links on https', async () => {
    const b = t.browser();
    const page = await b.get('/client-login');
    expect(page.headers['strict-transport-security']).toContain('max-age=');
    const csrfCookie = page.cookies.find((c) => c.name === '__Host-sp_csrf')!;
    expect(csrfCookie).toMatchObject({ secure: true, httpOnly: true, path: '/' });
    await b.post('/client-login', { identifier: demo.oneShop.email, _csrf: csrfOf(page.body) }, { origin: 'https://portal.example.com' });
    await t.worker.runOnce();
    const link = extractLink(smtp.received.at(-1)!.text!);
    expect(link).toMatch(/^https:\/\/portal\.example\.com\/l\//);
    const res = await b.get(link);
    expect(res.headers.location).toBe('/portal');
    const session = res.cookies.find((c) => c.name === '__Host-sp_session')!;
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
    expect((await b.get('/portal')).body).toContain('Hi Maria');
  });

  it('sends texts through a Twilio Messaging Service when TWILIO_FROM is an MG… SID', async () => {
    await t.browser().submit('/client-login', { identifier: demo.oneShop.phone });
    await t.worker.runOnce();
    expect(twilio.received.at(-1)).toMatchObject({ To: '+15125550187', MessagingServiceSid: `MG${'3'.repeat(32)}` });
    expect(twilio.received.at(-1)!.From).toBeUndefined();
  });

  it('hides server errors behind a calm page', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/client-login', headers: { 'content-type': 'application/json' }, payload: '{bad json' });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });
});
