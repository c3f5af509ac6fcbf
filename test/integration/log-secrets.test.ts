// Issue 7, "live login tokens reach the application log": every flow runs — including the error,
// not-found and over-limit paths — with the log captured at its most talkative level, and the log
// is then searched for every secret the test saw: link tokens, full links, codes, session tokens
// and ids, binding and picker cookies, CSRF tokens, signed email links and API keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfOf, type TestBrowser } from '../helpers/browser.ts';
import { askLink, makeClient, makeInvoice, makeShop } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

const lines: string[] = [];
const secrets = new Set<string>();
/** Six-digit codes are searched as whole numbers, so a timestamp that happens to contain one is no match. */
const codes = new Set<string>();
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    seed: false,
    env: { LOG_LEVEL: 'trace', RATE_REDEEM_PER_IP_15M: '40', RATE_CODE_PER_IP_15M: '5', RATE_LOGIN_PER_IP_15M: '12' },
    logStream: { write: (line: string) => void lines.push(line) },
  });
});
afterAll(async () => t?.close());

function keep(b: TestBrowser) {
  for (const [name, value] of b.jar) {
    if (/sp_(session|bind|pick|csrf|device)$/.test(name)) {
      secrets.add(value);
      if (name.endsWith('sp_session')) secrets.add(value.split('.')[0]!); // the session id alone, too
    }
  }
}

describe(`no secret reaches the log (${storeKind})`, () => {
  it('runs every flow, then finds none of the secrets it saw in any log line', async () => {
    const lawn = await makeShop(t);
    const pools = await makeShop(t);
    const maria = await makeClient(t, lawn.id);
    const sam = await makeClient(t, lawn.id);
    await makeClient(t, pools.id, { email: sam.email });

    // A link opened by a scanner, then confirmed on another device.
    const { browser: asker } = await askLink(t, maria.email!);
    const first = await t.lastMessageTo(maria.email!);
    secrets.add(first.link).add(first.link.split("/l/")[1]!);
    codes.add(first.code);
    const scanner = t.browser();
    const page = await scanner.get(first.link);
    secrets.add(csrfOf(page.body));
    await scanner.post(first.link, { _csrf: csrfOf(page.body) });
    keep(asker);
    keep(scanner);
    await scanner.get('/portal');
    await scanner.get('/portal/session.json');
    await scanner.get(first.link); // used: the expired page
    await scanner.post('/logout', { _csrf: csrfOf((await scanner.get('/portal')).body) });

    // Code: a wrong one, then the right one.
    const { browser: coder } = await askLink(t, maria.email!);
    const second = await t.lastMessageTo(maria.email!);
    secrets.add(second.link).add(second.link.split("/l/")[1]!);
    codes.add(second.code);
    await coder.submit('/client-login/check', { code: second.code === '123456' ? '654321' : '123456' });
    await coder.submit('/client-login/check', { code: second.code });
    keep(coder);

    // Two shops: the picker.
    const { browser: picker } = await askLink(t, sam.email!);
    const third = await t.lastMessageTo(sam.email!);
    secrets.add(third.link).add(third.link.split("/l/")[1]!);
    codes.add(third.code);
    await picker.get(third.link);
    keep(picker);
    const choose = await picker.get('/choose-shop');
    await picker.post('/choose-shop', { tenant: pools.id, _csrf: csrfOf(choose.body) });
    keep(picker);

    // A signed email link, and the integration API with its key.
    const key = (await t.services.apiKeys.create(lawn.id, 'Office')).key;
    secrets.add(key);
    const inv = await makeInvoice(t, lawn.id, maria.external_id!);
    const api = await t.app.inject({ method: 'POST', url: '/api/v1/emails', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'invoice_sent', externalId: inv.external_id }) });
    expect(api.statusCode).toBe(202);
    await t.app.inject({ method: 'PUT', url: '/api/v1/clients/x', headers: { authorization: `Bearer ${key}x` }, payload: {} });
    const [mail] = await t.messagesTo(maria.email!);
    const signed = /https?:\/\/\S+\/s\/[A-Za-z0-9_~.-]+/.exec(mail!.text)![0];
    secrets.add(signed).add(signed.split('/s/')[1]!);
    const reader = t.browser();
    await reader.get(signed);
    keep(reader);

    // The link session's one-tap "See all your invoices", "text me instead", and a signed link
    // opened by someone signed in as another client ("Switch portal?", then confirmed).
    await reader.post('/portal/send-link', { _csrf: csrfOf((await reader.get('/portal')).body) });
    keep(reader);
    await reader.post('/client-login/other-channel', { _csrf: csrfOf((await reader.get('/client-login/check')).body) });
    keep(reader);
    const switcher = t.browser();
    const { browser: samBrowser } = await askLink(t, sam.email!, switcher);
    const samMsg = await t.lastMessageTo(sam.email!);
    secrets.add(samMsg.link).add(samMsg.link.split('/l/')[1]!);
    codes.add(samMsg.code);
    await samBrowser.get(samMsg.link);
    const pick = await samBrowser.get('/choose-shop');
    await samBrowser.post('/choose-shop', { tenant: lawn.id, _csrf: csrfOf(pick.body) });
    keep(samBrowser);
    const ask = await samBrowser.get(signed);
    await samBrowser.post(signed, { _csrf: csrfOf(ask.body) });
    keep(samBrowser);

    // A support recovery link, handed over: a scanner's GET, the client's POST, a second try.
    const agent = await t.services.support.add({ email: `ana.${lawn.slug}@servicio.example`, name: 'Ana Alvarez' });
    const recovery = await t.services.recovery.issue({ agentId: agent.id, name: agent.name }, { tenantId: lawn.id, clientId: maria.id, category: 'email_bounced', reason: 'Mailbox closed after a job change.', delivery: 'shown', formNonce: 'nonce-0123456789abcdef' }, { ip: '127.0.0.1', userAgent: null });
    secrets.add(recovery.link!).add(recovery.link!.split('/r/')[1]!);
    const rescued = t.browser();
    const cont = await rescued.get(recovery.link!);
    await rescued.post(recovery.link!, { _csrf: csrfOf(cont.body) });
    keep(rescued);
    await t.browser().get(recovery.link!);
    await t.browser().get(`${recovery.link!}/extra`);
    await t.worker.runOnce(); // the recovery notices go out now, before the next login message

    // Not-found paths that carry a live token.
    const { browser: lost } = await askLink(t, maria.email!);
    const fourth = await t.lastMessageTo(maria.email!);
    secrets.add(fourth.link).add(fourth.link.split("/l/")[1]!);
    codes.add(fourth.code);
    keep(lost);
    await t.browser().get(`${fourth.link}/extra`);
    await t.browser().get(`${fourth.link}?utm=1`);
    await t.browser().get(`/s/${signed.split('/s/')[1]!}/more`);
    await t.app.inject({ method: 'DELETE', url: fourth.link.replace(/^https?:\/\/[^/]+/, '') });

    // Over the limits: link openings (GET and POST), codes, sign-in requests, signed links.
    const spam = t.browser(); // another device: its GETs show the Continue page, never consume
    for (let i = 0; i < 45; i++) await spam.get(fourth.link);
    await spam.post(fourth.link, { _csrf: csrfOf((await spam.get('/client-login')).body) });
    keep(spam);
    await reader.get(signed);
    // Codes: the IP spent two above; three wrong ones reach its limit, then the right one is refused.
    const wrongCode = fourth.code === '123456' ? '654321' : '123456';
    for (let i = 0; i < 3; i++) expect((await lost.submit('/client-login/check', { code: wrongCode })).statusCode).toBe(400);
    for (let i = 0; i < 2; i++) expect((await lost.submit('/client-login/check', { code: fourth.code })).statusCode).toBe(429);
    for (let i = 0; i < 14; i++) await askLink(t, maria.email!, lost);
    keep(lost);

    await t.worker.runOnce();
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(50); // the capture works: requests were logged
    expect(log).toContain('/l/[redacted]');
    expect(log).toContain('/r/[redacted]');
    expect(log).toContain('"statusCode":429');
    for (const s of secrets) {
      if (log.includes(s)) {
        const line = lines.find((l) => l.includes(s))!;
        throw new Error(`a secret reached the log:\n${line.replace(s, `>>>${s}<<<`)}`);
      }
    }
    for (const c of codes) {
      const line = lines.find((l) => new RegExp(`(?<![\\d.])${c}(?!\\d)`).test(l));
      if (line) throw new Error(`a code reached the log:\n${line}`);
    }
    expect(secrets.size).toBeGreaterThan(20);
    expect(codes.size).toBe(5);
  });
});
