// Issue 8: the login dispatch is a job with its own table, completed in the same transaction as its
// effects. Before, it rode in the outbox and its result was committed apart from its completion: a
// crash between the two ran a refused or unknown dispatch again (limits counted twice, audit rows
// duplicated). Here the crash is made to happen exactly there, and a worker loses its lease.
import { afterEach, describe, expect, it } from 'vitest';
import type { JobHandlers } from '../../src/modules/jobs/jobs.ts';
import { askLink, loginAudit, makeClient, makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** The real handlers, but the `at`-th commit fails right after its effects were written. */
function crashOnce(at = 1): (real: JobHandlers) => JobHandlers {
  let commits = 0;
  return (real) => ({
    'login-dispatch': {
      ...real['login-dispatch'],
      run: (ctx) =>
        real['login-dispatch'].run({
          ...ctx,
          commit: (effects) =>
            ctx.commit(async (trx) => {
              await effects(trx);
              if (++commits === at) throw new Error('crash between the effects and the completion');
            }),
        }),
    },
  });
}

const auditOf = (t: TestServer, identifier: string) => loginAudit(t, identifier);

describe(`jobs complete with their effects (${storeKind})`, () => {
  it('a crash before the commit leaves nothing behind; the retry does it all exactly once', async () => {
    const t = await startTestServer({ seed: false, jobHandlers: crashOnce() });
    servers.push(t);
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!);
    await t.worker.runOnce();
    // Crashed: no shops attached, no message, no audit of it — and the job is due again later.
    expect(await auditOf(t, c.email!)).toEqual(['login.requested']);
    expect(await t.messagesTo(c.email!)).toHaveLength(0);
    const job = await t.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: 'queued', attempts: 1 });
    expect(job.last_error).toContain('crash between');

    t.clock.advance(60_000);
    const msg = await t.lastMessageTo(c.email!);
    expect(msg.link).toMatch(/\/l\//);
    expect(await auditOf(t, c.email!)).toEqual(['login.requested', 'login.link_issued', 'delivery.queued', 'delivery.sent']);
    expect(await t.db.selectFrom('jobs').select(['status', 'attempts', 'payload_enc']).executeTakeFirstOrThrow()).toEqual({ status: 'done', attempts: 2, payload_enc: null });
    t.clock.advance(60_000);
    await t.worker.runOnce();
    expect(await t.messagesTo(c.email!)).toHaveLength(1);
  });

  // Regression: a refused dispatch was recorded, then ran again after a crash.
  it('a refused dispatch is recorded once, even when the worker dies after recording it', async () => {
    const t = await startTestServer({ seed: false, env: { RATE_LOGIN_PER_IDENTIFIER_15M: '1' }, jobHandlers: crashOnce(2) });
    servers.push(t);
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!);
    await t.worker.runOnce(); // the first: sent
    await askLink(t, c.email!);
    await t.worker.runOnce(); // the second: refused (over the limit), and the commit crashes
    expect((await auditOf(t, c.email!)).filter((a) => a === 'login.link_refused')).toHaveLength(0);
    t.clock.advance(60_000);
    await t.worker.runOnce(); // retried: refused again, recorded this time
    t.clock.advance(60_000);
    await t.worker.runOnce();
    const actions = await auditOf(t, c.email!);
    expect(actions.filter((a) => a === 'login.link_issued')).toHaveLength(1);
    expect(actions.filter((a) => a === 'login.link_refused')).toHaveLength(1);
    expect((await t.db.selectFrom('jobs').select('status').execute()).map((j) => j.status)).toEqual(['done', 'done']);
  });

  it('a worker whose lease ran out cannot complete the job another worker took over', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let slow = true;
    const t = await startTestServer({
      seed: false,
      env: { WORKER_LEASE_MS: '1000' },
      jobHandlers: (real) => ({
        'login-dispatch': {
          ...real['login-dispatch'],
          run: async (ctx) => {
            if (slow) {
              slow = false;
              await held; // the first worker stalls past its lease…
            }
            return real['login-dispatch'].run(ctx);
          },
        },
      }),
    });
    servers.push(t);
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await askLink(t, c.email!);
    const first = t.worker.runOnce();
    await new Promise((r) => setTimeout(r, 50));
    // …a second worker on the same store takes the job over after the lease and completes it.
    const second = await startTestServer({ seed: false, db: t.db, env: { WORKER_LEASE_MS: '1000', RATE_LIMIT_NAMESPACE: t.config.limits.namespace, ...(t.config.database.kind === 'postgres' ? { DATABASE_SCHEMA: t.config.database.schema! } : {}) } });
    servers.push(second);
    second.clock.set(t.clock.now() + 2000);
    await second.worker.runOnce();
    release();
    await first;
    expect((await auditOf(t, c.email!)).filter((a) => a === 'login.link_issued')).toHaveLength(1);
    expect(await t.db.selectFrom('outbox_messages').select('id').where('to_address', '=', c.email!).execute()).toHaveLength(1);
    expect(await t.db.selectFrom('jobs').select(['status', 'attempts']).executeTakeFirstOrThrow()).toEqual({ status: 'done', attempts: 2 });
  });

  it('one pass runs jobs and sends messages in turn: messages go out while more jobs wait', async () => {
    // Before: a pass ran every due job first, so under a steady stream of logins no message left
    // until the stream stopped (the peer harness saw seconds of backlog after each run).
    const seenByJobs: number[] = [];
    const t = await startTestServer({
      seed: false,
      jobHandlers: (real) => ({
        'login-dispatch': {
          ...real['login-dispatch'],
          run: async (ctx) => {
            const sent = await t.db.selectFrom('dev_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
            seenByJobs.push(Number(sent.n));
            return real['login-dispatch'].run(ctx);
          },
        },
      }),
    });
    servers.push(t);
    const shop = await makeShop(t);
    const clients = await Promise.all(Array.from({ length: 120 }, () => makeClient(t, shop.id)));
    for (const c of clients) await askLink(t, c.email!);
    await t.worker.runOnce();
    expect(seenByJobs).toHaveLength(120);
    // The first batch of jobs ran before any message was out; the last ran after some were sent.
    expect(seenByJobs[0]).toBe(0);
    expect(seenByJobs.at(-1)).toBeGreaterThan(0);
    // And the pass still ends with everything sent, each once.
    expect(await t.db.selectFrom('dev_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 120 });
  });
});
