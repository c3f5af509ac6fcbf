// The whole flow by clicking, in Chromium on a phone-sized screen, against a real listening
// server with its delivery worker running. Screenshots land in test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { demo } from '../../src/modules/demo/seed.ts';
import { startLiveServer } from '../helpers/live-server.ts';
import { ARTIFACTS, launchChromium, phone } from '../helpers/chromium.ts';

let server: Awaited<ReturnType<typeof startLiveServer>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  server = await startLiveServer();
  base = server.base;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

/** Reads the newest message to `to` from the development outbox, as a person would. */
async function openOutbox(page: Page, to: string) {
  await page.goto(`${base}/dev/outbox`);
  const message = page.locator('article.message', { hasText: to }).first();
  await message.waitFor();
  return message;
}

async function ask(page: Page, identifier: string) {
  await page.goto(`${base}/client-login`);
  await page.getByLabel('Email or mobile number').fill(identifier);
  await page.getByRole('button', { name: 'Send my sign-in link' }).click();
  await page.waitForURL('**/client-login/check');
}

describe('sign-in in a real browser', () => {
  it('client of two shops: email link → shop picker → portal → sign out', async () => {
    const ctx = await phone(browser);
    const page = await ctx.newPage();
    await page.goto(`${base}/client-login`);
    await shot(page, '01-login');
    await ask(page, demo.bothShops.email);
    await expect(page.getByRole('heading', { name: 'Check your email' }).isVisible()).resolves.toBe(true);
    await shot(page, '02-check-email');

    const message = await openOutbox(page, demo.bothShops.email);
    await shot(page, '03-dev-outbox');
    await message.getByRole('link', { name: /\/l\// }).click();
    await page.waitForURL('**/choose-shop');
    await shot(page, '04-shop-picker');

    await page.getByRole('button', { name: /BlueWave Pool Service/ }).click();
    await page.waitForURL('**/portal');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hi Sam');
    expect(await page.locator('header.site').textContent()).toContain('BlueWave Pool Service');
    await shot(page, '05-portal');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL('**/c/bluewave-pools?signed_out=1&lang=en');
    expect(await page.getByRole('status').textContent()).toContain('signed out');
    await page.goto(`${base}/portal`);
    expect(new URL(page.url()).pathname).toBe('/client-login');
    await ctx.close();
  });

  it('link opened on another device asks for one tap on Continue', async () => {
    const laptop = await (await phone(browser)).newPage();
    await ask(laptop, demo.oneShop.email);
    const message = await openOutbox(laptop, demo.oneShop.email);
    const href = await message.getByRole('link', { name: /\/l\// }).getAttribute('href');

    const ctx = await phone(browser);
    const page = await ctx.newPage();
    await page.goto(href!);
    await shot(page, '06-continue');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Greenway Lawn Care');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/portal');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hi Maria');

    const again = await (await phone(browser)).newPage();
    await again.goto(href!);
    expect(await again.getByRole('heading', { level: 1 }).textContent()).toBe('This link has expired');
    await shot(again, '07-link-expired');
  });

  it('code from a text message typed on the check page signs in', async () => {
    const ctx = await phone(browser);
    const page = await ctx.newPage();
    await ask(page, '(512) 555-0187');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your phone');
    const outbox = await ctx.newPage();
    const message = await openOutbox(outbox, '+15125550187');
    const code = /code (\d{6})/.exec((await message.textContent()) ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);

    await page.getByLabel('6-digit code').fill('000000' === code ? '111111' : '000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('doesn’t match');
    await shot(page, '08-wrong-code');
    await page.getByLabel('6-digit code').fill(code!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/portal');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hi Maria');
  });

  it('shows a specific error for a mistyped address, keeping what was typed', async () => {
    const page = await (await phone(browser)).newPage();
    await page.goto(`${base}/client-login`);
    await page.getByLabel('Email or mobile number').fill('maria@example');
    await page.getByRole('button', { name: 'Send my sign-in link' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('doesn’t look complete');
    expect(await page.getByLabel('Email or mobile number').inputValue()).toBe('maria@example');
    await shot(page, '09-invalid-email');
  });

  it('renders the login email as mail clients show it', async () => {
    const page = await (await browser.newContext({ viewport: { width: 600, height: 800 } })).newPage();
    await page.goto(`${base}/dev/outbox`);
    await page.getByRole('link', { name: 'view as email' }).first().click();
    // The click only starts the navigation: look at the email once it has loaded.
    await page.waitForURL(/\/dev\/outbox\/[^/]+\/html$/);
    expect(await page.getByRole('link', { name: 'Sign in to my portal' }).isVisible()).toBe(true);
    await shot(page, '10-login-email');
  });
});
