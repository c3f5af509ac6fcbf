// Issue 12: on PostgreSQL the session lookups of concurrent requests made in one turn of the event
// loop are read with one query (sessions.repo.ts, lib/coalesce.ts). Each request must still get
// its own session as it is now — and a revoked one none — with no cache in between.
import { afterAll, describe, expect, it } from 'vitest';
import { csrfOf } from '../helpers/browser.ts';
import { makeClient, makeShop, signIn } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer | undefined;
afterAll(async () => {
  await t?.close();
});

describe(`session lookups under concurrency (${storeKind})`, () => {
  it('concurrent requests each get their own session; one signed out gets none', async () => {
    t = await startTestServer({ seed: false, env: { SESSION_CACHE_MS: '0' } });
    const shop = await makeShop(t);
    const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => makeClient(t!, shop.id, { name: `Person ${i}` })));
    const browsers = [];
    for (const c of clients) browsers.push(await signIn(t, c.email!));
    const out = await browsers[3]!.post('/logout', { _csrf: csrfOf((await browsers[3]!.get('/portal')).body) });
    expect(out.statusCode).toBe(303);

    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(browsers.flatMap((b) => [b.get('/portal/session.json'), b.get('/portal/session.json')]));
      answers.forEach((res, i) => {
        const who = Math.floor(i / 2);
        if (who === 3) {
          expect(res.statusCode).not.toBe(200);
          expect(res.body).not.toContain('Person 3');
        } else {
          expect(res.statusCode).toBe(200);
          expect(JSON.parse(res.body)).toMatchObject({ client: { name: `Person ${who}` }, tenant: { slug: shop.slug } });
        }
      });
    }
  });
});
