// Factories: each test makes the shops, clients and content it needs, with unique names, so any
// test can run alone and none depends on (or changes) another's data.
import { randomBytes } from 'node:crypto';
import { csrfOf, TestBrowser } from './browser.ts';
import type { TestServer } from './harness.ts';

const unique = () => randomBytes(4).toString('hex');
let phoneSeq = 0;

export async function makeShop(t: TestServer, over: { name?: string; brandColor?: string; sessionDays?: number } = {}) {
  const id = unique();
  return t.services.tenants.create({ name: over.name ?? `Shop ${id}`, slug: `shop-${id}`, ...(over.brandColor ? { brandColor: over.brandColor } : {}), ...(over.sessionDays ? { sessionDays: over.sessionDays } : {}) });
}

/** A fictional but valid US mobile number (555-01xx), different on every call. */
export function newPhone(): string {
  phoneSeq = (phoneSeq + 1) % 100;
  return `+1512555${String(100 + phoneSeq).padStart(4, '0')}`;
}

export async function makeClient(t: TestServer, tenantId: string, over: { name?: string; email?: string | null; phone?: string | null; externalId?: string } = {}) {
  const id = unique();
  const email = over.email === undefined ? `client-${id}@example.com` : over.email;
  const phone = over.phone === undefined ? null : over.phone;
  return t.services.clients.add(tenantId, {
    name: over.name ?? `Client ${id}`,
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    externalId: over.externalId ?? `c-${id}`,
  });
}

export async function makeInvoice(t: TestServer, tenantId: string, clientExternalId: string, over: { number?: string; cents?: number } = {}) {
  const externalId = `INV-${unique()}`;
  const { invoice } = await t.services.invoices.upsert(tenantId, externalId, {
    clientExternalId,
    number: over.number ?? externalId.slice(4),
    currency: 'USD',
    lineItems: [{ description: 'Weekly mowing', quantity: 1, unitCents: over.cents ?? 4500 }],
    issueDate: '2026-11-20',
    dueDate: '2026-12-04',
    status: 'sent',
  });
  return invoice;
}

export async function makeReport(t: TestServer, tenantId: string, clientExternalId: string) {
  const { report } = await t.services.reports.upsert(tenantId, `R-${unique()}`, {
    clientExternalId,
    serviceDate: '2026-11-24',
    technician: 'Dev Patel',
    title: `Visit ${unique()}`,
    notes: 'All good.',
    checklist: [],
    photos: [],
  });
  return report;
}

/** Asks for a sign-in link from `browser` (a new one by default), as the login form does. */
export async function askLink(t: TestServer, identifier: string, browser: TestBrowser = t.browser(), headers: Record<string, string> = {}) {
  const page = await browser.get('/client-login');
  const res = await browser.post('/client-login', { identifier, _csrf: csrfOf(page.body) }, headers);
  return { browser, res };
}

/** Signs in with a link opened in the browser that asked for it (one tap); returns that browser. */
export async function signIn(t: TestServer, identifier: string, browser: TestBrowser = t.browser()) {
  await askLink(t, identifier, browser);
  const msg = await t.lastMessageTo(identifier);
  const res = await browser.get(msg.link);
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`);
  return browser;
}

/** Row counts of the tables a login request touches: proof that nothing happened. */
export async function footprint(t: TestServer) {
  const n = async (table: 'login_requests' | 'outbox_messages' | 'audit_events' | 'sessions') =>
    Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { logins: await n('login_requests'), outbox: await n('outbox_messages'), audit: await n('audit_events'), sessions: await n('sessions') };
}

/** The audit actions recorded for the logins of one email or phone, in order (optionally only some). */
export async function loginAudit(t: TestServer, identifier: string, only?: string[]): Promise<string[]> {
  const rows = await t.db
    .selectFrom('login_requests')
    .innerJoin('audit_events', 'audit_events.subject_id', 'login_requests.id')
    .select('audit_events.action')
    .where('login_requests.identifier', '=', identifier)
    .$if(!!only, (q) => q.where('audit_events.action', 'in', only!))
    .orderBy('audit_events.id')
    .execute();
  return rows.map((r) => r.action);
}
