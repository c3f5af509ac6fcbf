// Screenshots of every homeowner page in English and Spanish for docs/screens/: `npm run screens`
// (or `npx tsx scripts/screens.ts`). Starts a server on a fresh store with the demo shops, clients,
// invoices and reports, walks the pages as a homeowner would (test/e2e/homeowner-tour.ts, the same
// walk the accessibility test takes), writes <lang>-<nn>-<name>.png and README.md, and exits.
// Phones are 390×844 at 1× (small files); the portal home and an invoice are also taken on a
// 1280×800 desktop and a 320-pixel-wide phone.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { testClock } from '../src/lib/clock.ts';
import { launchChromium } from '../test/helpers/chromium.ts';
import { startLiveServer } from '../test/helpers/live-server.ts';
import { BROWSER_LOCALE, tour, type Lang, type TourStop } from '../test/e2e/homeowner-tour.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'screens');
const LANGS: Lang[] = ['en', 'es'];
const VARIANTS = [
  { nn: '30', name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false, about: 'on a 1280×800 desktop' },
  { nn: '32', name: 'narrow', viewport: { width: 320, height: 640 }, isMobile: true, about: 'on a 320-pixel-wide phone' },
] as const;

/** The same page, with the same cookies, in another window size. */
async function variantShots(browser: Browser, page: Page, lang: Lang, stop: TourStop, index: number, written: { file: string; about: string }[]) {
  for (const v of VARIANTS) {
    const ctx = await browser.newContext({ viewport: v.viewport, deviceScaleFactor: 1, isMobile: v.isMobile, hasTouch: v.isMobile, locale: BROWSER_LOCALE[lang], storageState: await page.context().storageState() });
    const twin = await ctx.newPage();
    await twin.goto(page.url());
    const nn = String(Number(v.nn) + index).padStart(2, '0');
    const file = `${lang}-${nn}-${v.name}-${stop.name.replace(/^\d+-/, '')}.png`;
    await twin.screenshot({ path: join(OUT, file), fullPage: true });
    written.push({ file, about: `${stop.about.split(':')[0]!.replace(/\.$/, '')} — ${v.about}.` });
    await ctx.close();
  }
}

async function main() {
  const clock = testClock(Date.now());
  const server = await startLiveServer({}, { clock, content: true });
  const limited = await startLiveServer({ RATE_LOGIN_PER_IP_15M: '1' });
  const browser = await launchChromium();
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (f.endsWith('.png')) rmSync(join(OUT, f));
  const written: { file: string; about: string }[] = [];
  try {
    for (const lang of LANGS) {
      let variantIndex = 0;
      await tour({
        browser,
        base: server.base,
        lang,
        clock,
        tooManyBase: limited.base,
        deviceScaleFactor: 1,
        sendReportEmail: async () => void (await server.services.notifications.send(server.demo.tenants[0]!.id, 'service_report', 'VISIT-301')),
        async visit(page, stop) {
          const file = `${lang}-${stop.name}.png`;
          await page.screenshot({ path: join(OUT, file), fullPage: true });
          written.push({ file, about: stop.about });
          if (stop.variants) await variantShots(browser, page, lang, stop, variantIndex++, written);
        },
      });
    }
  } finally {
    await browser.close();
    await limited.close();
    await server.close();
  }
  written.sort((a, b) => a.file.localeCompare(b.file));
  writeFileSync(join(OUT, 'README.md'), readme(written));
  console.log(`${written.length} screenshots in ${OUT}`);
}

function readme(files: { file: string; about: string }[]): string {
  const rows = (lang: Lang) =>
    files
      .filter((f) => f.file.startsWith(`${lang}-`))
      .map((f) => `| [${f.file}](${f.file}) | ${f.about} |`)
      .join('\n');
  return `# Homeowner pages, in English and Spanish

Written by \`npm run screens\` (\`scripts/screens.ts\`): a server on a fresh store with the demo data
(Greenway Lawn Care, BlueWave Pool Service; Maria Lopez, Lucía Hernández who prefers Spanish, Sam
Carter who is a client of both), walked by clicking in Chromium the way
\`test/e2e/homeowner-tour.ts\` walks it for the accessibility test. Phone screenshots are 390×844
CSS pixels at 1×, full page; the English pages are Maria's, the Spanish ones Lucía's (browser
language \`es-MX\`). Run it again after changing a page; this file is rewritten with the pictures.

## English

| file | what it shows |
| --- | --- |
${rows('en')}

## Español

| file | what it shows |
| --- | --- |
${rows('es')}
`;
}

await main();
process.exit(0);
