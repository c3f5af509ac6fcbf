// Issue 8: the login dispatch is a job with its own table, completed in the same transaction as its
// effects. Before, it rode in the outbox and its result was committed apart from its completion: a
// crash between the two ran a refused or unknown dispatch again (limits counted twice, audit rows
// duplicated). Here the crash is made to happen exactly there, and a worker loses its lease.
import { afterEach, describe, expect, it } from 'vitest';
import type { JobHandlers } from '../../src/modules/jobs/jobs.ts';
import { askLink, loginAudit, makeClient, makeShop, newPhone } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

type Dispatch = JobHandlers['login-dispatch'];
/** The real handlers, with the login dispatch's `prepare` wrapped. */
const preparing = (prepare: (real: Dispatch, ctx: Parameters<Dispatch['prepare']>[0]) => ReturnType<Dispatch['prepare']>) => (real: JobHandlers): JobHandlers => ({
  'login-dispatch': { ...real['login-dispatch'], prepare: (ctx) => prepare(real['login-dispatch'], ctx) },
});

/** The real handlers, but the `at`-th commit fails right after a job's effects were written. */
function crashOnce(at = 1): (real: JobHandlers) => JobHandlers {
  let commits = 0;
  return preparing(async (real, ctx) => {
    const prepared = await real.prepare(ctx);
    return {
      ...prepared,
      write: (w) => {
        prepared.write?.(w);
        if (++commits === at) throw new Error('crash between the effects and the completion');
      },
    };
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
      jobHandlers: preparing(async (real, ctx) => {
        if (slow) {
          slow = false;
          await held; // the first worker stalls past its lease…
        }
        return real.prepare(ctx);
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
      jobHandlers: preparing(async (real, ctx) => {
        const sent = await t.db.selectFrom('dev_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        seenByJobs.push(Number(sent.n));
        return real.prepare(ctx);
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

  // Issue 12: a batch's jobs are prepared together (one query per kind of read) and their writes go
  // in one transaction, a statement per table. Each must still get exactly its own result.
  it('a batch of logins for different people: each message goes to its own person, for its own shops', async () => {
    const t = await startTestServer({ seed: false });
    servers.push(t);
    const north = await makeShop(t, { name: 'North Lawn' });
    const south = await makeShop(t, { name: 'South Pools' });
    const both = `both-${Date.now()}@example.com`;
    await makeClient(t, north.id, { email: both });
    await makeClient(t, south.id, { email: both });
    const onlySouth = await makeClient(t, south.id);
    const texter = await makeClient(t, north.id, { email: null, phone: newPhone() });
    const stranger = `nobody-${Date.now()}@example.com`;
    for (const id of [both, onlySouth.email!, texter.phone!, stranger]) await askLink(t, id);
    await t.worker.runOnce();

    expect((await t.db.selectFrom('jobs').select(['status', 'attempts']).execute()).every((j) => j.status === 'done' && j.attempts === 1)).toBe(true);
    const [toBoth] = await t.messagesTo(both);
    expect(toBoth?.text).toContain('North Lawn');
    expect(toBoth?.text).toContain('South Pools');
    const [toSouth] = await t.messagesTo(onlySouth.email!);
    expect(toSouth?.text).toContain('South Pools');
    expect(toSouth?.text).not.toContain('North Lawn');
    expect(toSouth?.text).not.toBe(toBoth?.text);
    const texts = await t.messagesTo(texter.phone!);
    expect(texts.map((m) => m.channel)).toEqual(['sms']);
    const notice = await t.messagesTo(stranger);
    expect(notice).toHaveLength(1);
    expect(notice[0]!.text).not.toMatch(/\/l\//); // the unknown-email notice carries no link
    // The shops attached to each login (and its count of them), written for the whole batch at once.
    const logins = await t.db.selectFrom('login_requests as r').leftJoin('login_request_clients as m', 'm.login_request_id', 'r.id').select(['r.identifier', 'r.matched', 'm.tenant_id']).execute();
    const shopsOf = (id: string) => logins.filter((l) => l.identifier === id && l.tenant_id).map((l) => l.tenant_id).sort();
    expect(shopsOf(both)).toEqual([north.id, south.id].sort());
    expect(shopsOf(onlySouth.email!)).toEqual([south.id]);
    expect(shopsOf(texter.phone!)).toEqual([north.id]);
    expect(shopsOf(stranger)).toEqual([]);
    expect(Object.fromEntries(logins.map((l) => [l.identifier, l.matched]))).toEqual({ [both]: 2, [onlySouth.email!]: 1, [texter.phone!]: 1, [stranger]: 0 });
    // One row per shop the login concerns.
    expect(await auditOf(t, both)).toEqual(['login.requested', 'login.link_issued', 'login.link_issued', 'delivery.queued', 'delivery.queued', 'delivery.sent', 'delivery.sent']);
    expect(await auditOf(t, stranger)).toEqual(['login.requested', 'login.requested_unknown', 'delivery.queued', 'delivery.sent']);
  });

  it('a job of a batch whose writes fail holds back no other: the rest commit, it alone is retried', async () => {
    let faulty = '';
    let failing = true;
    const t = await startTestServer({
      seed: false,
      jobHandlers: preparing(async (real, ctx) => {
        const prepared = await real.prepare(ctx);
        const r = await t.db.selectFrom('login_requests').select('identifier').where('id', '=', ctx.job.login_request_id!).executeTakeFirstOrThrow();
        if (r.identifier !== faulty) return prepared;
        return {
          ...prepared,
          write: (w) => {
            prepared.write?.(w);
            if (failing) throw new Error('this one cannot be written');
          },
        };
      }),
    });
    servers.push(t);
    const shop = await makeShop(t);
    const clients = await Promise.all(Array.from({ length: 5 }, () => makeClient(t, shop.id)));
    faulty = clients[2]!.email!;
    for (const c of clients) await askLink(t, c.email!);
    await t.worker.runOnce();

    for (const c of clients) expect(await t.messagesTo(c.email!)).toHaveLength(c.email === faulty ? 0 : 1);
    expect(await auditOf(t, faulty)).toEqual(['login.requested']);
    const faultyLogin = await t.db.selectFrom('login_requests').select(['id', 'matched']).where('identifier', '=', faulty).executeTakeFirstOrThrow();
    expect(faultyLogin.matched).toBe(0);
    expect(await t.db.selectFrom('login_request_clients').select('client_id').where('login_request_id', '=', faultyLogin.id).execute()).toEqual([]);
    const jobs = await t.db.selectFrom('jobs').select(['login_request_id', 'status', 'attempts', 'last_error']).execute();
    expect(jobs.filter((j) => j.status === 'done')).toHaveLength(4);
    expect(jobs.find((j) => j.login_request_id === faultyLogin.id)).toMatchObject({ status: 'queued', attempts: 1, last_error: 'this one cannot be written' });

    failing = false;
    t.clock.advance(60_000);
    await t.worker.runOnce();
    for (const c of clients) expect(await t.messagesTo(c.email!)).toHaveLength(1);
    expect(await auditOf(t, faulty)).toEqual(['login.requested', 'login.link_issued', 'delivery.queued', 'delivery.sent']);
  });
});

