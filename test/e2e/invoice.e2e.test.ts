// In Chromium, the seed's promise end to end: the shop's system sends an invoice through the API,
// the homeowner taps the emailed button, lands on the invoice, pays, and the link is then done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { demo } from '../../src/modules/demo/seed.ts';
import { startLiveServer } from '../helpers/live-server.ts';
import { ARTIFACTS, launchChromium, phone } from '../helpers/chromium.ts';

let server: Awaited<ReturnType<typeof startLiveServer>>;
let browser: Browser;
let base: string;
let key: string;

beforeAll(async () => {
  server = await startLiveServer();
  base = server.base;
  key = (await server.services.apiKeys.create(server.demo.tenants[0]!.id, 'e2e')).key;
  browser = await launchChromium();
  // Each test below can run alone: the client they all use is created here.
  await api('PUT', '/api/v1/clients/maria', { name: demo.oneShop.name, email: demo.oneShop.email });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function api(method: string, path: string, body: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return res.json();
}

describe('pay an invoice from its email', () => {
  it('email → one tap → invoice → pay → receipt, and the link no longer signs in', async () => {
    await api('PUT', '/api/v1/invoices/INV-2041', {
      clientExternalId: 'maria',
      number: '2041',
      lineItems: [{ description: 'Weekly mowing (November)', quantity: 4, unitCents: 4500 }, { description: 'Leaf cleanup', quantity: 1, unitCents: 8500 }],
      issueDate: '2026-11-20',
      dueDate: '2026-12-04',
    });
    await api('POST', '/api/v1/emails', { type: 'invoice_sent', externalId: 'INV-2041' });

    const inbox = await (await browser.newContext({ viewport: { width: 600, height: 900 } })).newPage();
    await inbox.goto(`${base}/dev/outbox`);
    await inbox.locator('article.message', { hasText: 'Invoice 2041' }).first().getByRole('link', { name: 'view as email' }).click();
    await inbox.screenshot({ path: `${ARTIFACTS}/13-invoice-email.png`, fullPage: true });
    const href = await inbox.getByRole('link', { name: 'View and pay $265.00' }).getAttribute('href');
    expect(href).toMatch(/\/s\//);

    const ctx = await phone(browser);
    const page = await ctx.newPage();
    await page.goto(href!);
    expect(new URL(page.url()).pathname).toMatch(/^\/portal\/invoices\/[0-9a-f-]{36}$/);
    expect(page.url()).not.toContain('/s/');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Invoice 2041');
    await page.screenshot({ path: `${ARTIFACTS}/14-invoice.png`, fullPage: true });
    await page.getByRole('button', { name: 'Pay $265.00' }).click();
    await page.waitForURL('**?paid=1');
    expect(await page.getByRole('status').textContent()).toContain('Payment received');
    await page.screenshot({ path: `${ARTIFACTS}/15-receipt.png`, fullPage: true });

    // The link's session sees this invoice only; the rest is one tap away, by a real sign-in link.
    await page.getByRole('link', { name: 'See all your invoices' }).click();
    await page.waitForURL('**/portal');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('See all your invoices');
    expect(await page.content()).not.toContain('1017'); // the seed's other invoice stays hidden
    await page.screenshot({ path: `${ARTIFACTS}/18-link-session-limited.png`, fullPage: true });
    await page.getByRole('button', { name: 'See all your invoices' }).click();
    await page.waitForURL('**/client-login/check');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your email');

    const later = await (await phone(browser)).newPage();
    await later.goto(href!);
    expect(await later.getByRole('heading', { level: 1 }).textContent()).toBe('This invoice is paid');
    const cookies = await later.context().cookies();
    expect(cookies.find((c) => c.name.endsWith('sp_session'))).toBeUndefined();
  });

  it('renders the service report email and page', async () => {
    await api('PUT', '/api/v1/reports/VISIT-77', {
      clientExternalId: 'maria',
      serviceDate: '2026-11-24',
      technician: 'Dev Patel',
      title: 'Weekly lawn service',
      notes: 'Mowed front and back, edged the driveway and blew off the walkways. The back corner is staying wet — worth checking the sprinkler head by the fence.',
      checklist: [{ item: 'Mow front and back', done: true }, { item: 'Edge driveway', done: true }, { item: 'Aerate', done: false }],
    });
    await api('POST', '/api/v1/emails', { type: 'service_report', externalId: 'VISIT-77' });
    const inbox = await (await browser.newContext({ viewport: { width: 600, height: 900 } })).newPage();
    await inbox.goto(`${base}/dev/outbox`);
    await inbox.locator('article.message', { hasText: 'service report' }).first().getByRole('link', { name: 'view as email' }).click();
    await inbox.screenshot({ path: `${ARTIFACTS}/16-report-email.png`, fullPage: true });
    const href = await inbox.getByRole('link', { name: 'Read the full report' }).getAttribute('href');
    const page = await (await phone(browser)).newPage();
    await page.goto(href!);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Weekly lawn service');
    await page.screenshot({ path: `${ARTIFACTS}/17-report.png`, fullPage: true });
  });

  it('asks before an email link switches a browser signed in as someone else', async () => {
    await api('PUT', '/api/v1/reports/VISIT-91', { clientExternalId: 'maria', serviceDate: '2026-11-25', technician: 'Dev Patel', title: 'Hedge trimming' });
    await api('POST', '/api/v1/emails', { type: 'service_report', externalId: 'VISIT-91' });
    const inbox = await (await browser.newContext({ viewport: { width: 600, height: 900 } })).newPage();
    await inbox.goto(`${base}/dev/outbox`);
    await inbox.locator('article.message', { hasText: 'service report' }).first().getByRole('link', { name: 'view as email' }).click();
    const href = await inbox.getByRole('link', { name: 'Read the full report' }).getAttribute('href');

    // Sam signs in on this phone (code from the outbox), then opens a link meant for Maria.
    const page = await (await phone(browser)).newPage();
    await page.goto(`${base}/client-login`);
    await page.getByLabel('Email or mobile number').fill(demo.bothShops.email);
    await page.getByRole('button', { name: 'Send my sign-in link' }).click();
    await page.waitForURL('**/client-login/check');
    const outbox = await (await fetch(`${base}/dev/outbox.json?to=${encodeURIComponent(demo.bothShops.email)}`)).json();
    await page.getByLabel('6-digit code').fill(/code\D{0,40}(\d{6})/.exec(outbox.messages[0].text)![1]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/choose-shop');
    await page.getByRole('button', { name: /Greenway Lawn Care/ }).click();
    await page.waitForURL('**/portal');

    await page.goto(href!);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Switch portal?');
    await page.screenshot({ path: `${ARTIFACTS}/19-switch-portal.png`, fullPage: true });
    await page.getByRole('button', { name: `Continue as ${demo.oneShop.name} at Greenway Lawn Care` }).click();
    await page.waitForURL('**/portal/reports/*');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hedge trimming');
  });
});
