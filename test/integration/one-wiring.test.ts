// Issue 8: the web process and `npx servicio worker` are wired by one composition (compose.ts),
// so they count limits in the same place. The CLI used to leave Redis out: with REDIS_URL set, the
// standalone worker counted the identifier limits in the SQL store while the web process counted
// them in Redis — two limits where there should be one.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { askLink, loginAudit, makeClient, makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

const backend = process.env.REDIS_URL ? `${storeKind}+redis` : storeKind;
const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

const actions = (t: TestServer, email: string) => loginAudit(t, email, ['login.link_issued', 'login.link_refused']);

describe(`one wiring for every process (${backend})`, () => {
  it('a standalone worker and the web process share one identifier limit', async () => {
    const web = await startTestServer({ seed: false, env: { RATE_LOGIN_PER_IDENTIFIER_15M: '3', RATE_LOGIN_PER_IDENTIFIER_DAY: '100' } });
    servers.push(web);
    web.clock.set(Date.now()); // the child process runs on the real clock
    const shop = await makeShop(web);
    const c = await makeClient(web, shop.id);
    // The web process's own worker dispatches three requests: the identifier's limit is spent.
    for (let i = 0; i < 3; i++) {
      await askLink(web, c.email!);
      await web.worker.runOnce();
    }
    expect(await actions(web, c.email!)).toEqual(['login.link_issued', 'login.link_issued', 'login.link_issued']);

    // Two more requests, dispatched by `npx servicio worker` in its own process.
    await askLink(web, c.email!);
    await askLink(web, c.email!);
    const child = spawn(process.execPath, ['bin/servicio.js', 'worker'], { env: { ...process.env, ...web.env, WORKER_POLL_MS: '50' }, stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      for (let i = 0; i < 100 && (await actions(web, c.email!)).length < 5; i++) await new Promise((r) => setTimeout(r, 100));
      // Regression: on SQLite nothing held the process open and it exited (code 13) after one pass.
      expect(child.exitCode).toBeNull();
    } finally {
      const exited = child.exitCode === null ? new Promise((r) => child.once('exit', r)) : Promise.resolve();
      child.kill('SIGTERM');
      await exited;
    }
    expect(child.exitCode).toBe(0);
    expect(await actions(web, c.email!)).toEqual(['login.link_issued', 'login.link_issued', 'login.link_issued', 'login.link_refused', 'login.link_refused']);
    expect(await web.messagesTo(c.email!)).toHaveLength(3);
  });
});
