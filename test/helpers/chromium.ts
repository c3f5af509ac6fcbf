// Chromium for the browser tests, driven by playwright-core (its own browser download cannot run
// here). In order: CHROMIUM_PATH, the system's Chromium (Debian's /usr/bin/chromium), else the
// binary shipped inside the @sparticuz/chromium npm package — so `npm ci && npm test` works on a
// machine that has only Node.js and npm. That binary is unpacked to the temp folder with the
// libraries it needs (NSS, expat) and its fonts, which the launch points it at.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ARTIFACTS = 'test-artifacts';
const SYSTEM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const QUIET = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

async function packaged(): Promise<{ executablePath: string; env: Record<string, string> }> {
  const { default: packagedChromium } = await import('@sparticuz/chromium');
  const pkg = join(import.meta.dirname, '../../node_modules/@sparticuz/chromium');
  // Its unpacker, for the library bundle the package itself unpacks only on Amazon Linux.
  const { inflate } = (await import(pathToFileURL(join(pkg, 'build/esm/lambdafs.js')).href)) as { inflate: (file: string) => Promise<string> };
  const bin = join(pkg, 'bin');
  const executablePath = await packagedChromium.executablePath(bin);
  const libs = await inflate(join(bin, 'al2023.tar.br')); // the shared libraries it links against
  return {
    executablePath,
    env: { LD_LIBRARY_PATH: [join(libs, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), FONTCONFIG_PATH: join(tmpdir(), 'fonts'), HOME: process.env.HOME ?? tmpdir() },
  };
}

/** Which Chromium the tests use, and why (printed once by the browser suites). */
export async function findChromium(): Promise<{ executablePath: string; source: string; env?: Record<string, string> }> {
  if (process.env.CHROMIUM_PATH) {
    if (!existsSync(process.env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist.`);
    return { executablePath: process.env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  }
  const system = SYSTEM.find((p) => existsSync(p));
  if (system) return { executablePath: system, source: 'system' };
  const p = await packaged();
  return { ...p, source: '@sparticuz/chromium' };
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const found = await findChromium();
  return chromium.launch({
    executablePath: found.executablePath,
    args: QUIET,
    ...(found.env ? { env: { ...process.env, ...found.env } as Record<string, string> } : {}),
  });
}

/** A phone-sized browser profile (each context is a separate device with its own cookies). */
export function phone(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
}

/** Polls until `get` returns something (a message reaching a fake provider, say). */
export async function waitFor<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * axe-core's WCAG 2.1 A/AA check of a page, its violations added to `into`. axe runs as script:
 * for a page opened with JavaScript off, pass `twinOf` — the same page is checked, with the same
 * cookies, in a twin context that allows script.
 */
export async function checkA11y(page: Page, name: string, into: string[], twinOf?: Browser): Promise<void> {
  let target = page;
  let twin: BrowserContext | undefined;
  if (twinOf) {
    twin = await twinOf.newContext({ viewport: page.viewportSize() ?? { width: 390, height: 844 }, storageState: await page.context().storageState() });
    target = await twin.newPage();
    await target.goto(page.url());
  }
  const result = await new AxeBuilder({ page: target }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  await twin?.close();
  for (const v of result.violations) into.push(`${name}: ${v.id} — ${v.help} (${v.nodes.map((n: { target: unknown[] }) => n.target.join(' ')).join(', ')})`);
}
