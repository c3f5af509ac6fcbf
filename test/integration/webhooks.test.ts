// Provider callbacks after real sends: Twilio status callbacks (signed like Twilio signs them),
// the provider-neutral email webhook and Mailgun's format.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/modules/demo/seed.ts';
import { servicioSignature, twilioSignature } from '../../src/modules/delivery/webhooks.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';
import { startFakeProviders } from '../helpers/fake-providers.ts';

const TOKEN = 'twilio-auth-token';
const EMAIL_SECRET = 'email-webhook-secret-0123456789';
const MAILGUN_KEY = 'mailgun-signing-key';
let providers: Awaited<ReturnType<typeof startFakeProviders>>;
let t: TestServer;

beforeAll(async () => {
  providers = await startFakeProviders({ accountSid: `AC${'4'.repeat(32)}`, from: '+15125550100', authToken: TOKEN });
  t = await startTestServer({ env: { ...providers.env, EMAIL_WEBHOOK_SECRET: EMAIL_SECRET, MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY } });
});
afterAll(async () => {
  await t?.close();
  await providers?.close();
});

async function sendLogin(identifier: string) {
  t.clock.advance(1000);
  await t.browser().submit('/client-login', { identifier });
  await t.worker.runOnce();
  return t.db.selectFrom('outbox_messages').selectAll().orderBy('created_at', 'desc').executeTakeFirstOrThrow();
}

function twilioCallback(callbackUrl: string, params: Record<string, string>, signature = twilioSignature(TOKEN, callbackUrl, params)) {
  return t.app.inject({
    method: 'POST',
    url: callbackUrl.replace(t.config.publicUrl, ''),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    payload: new URLSearchParams(params).toString(),
  });
}

const events = (messageId: string) => t.db.selectFrom('delivery_events').selectAll().where('message_id', '=', messageId).orderBy('id').execute();

describe(`Twilio status callbacks (${storeKind})`, () => {
  it('records delivery, refuses bad signatures, and accepts replays once', async () => {
    const m = await sendLogin(demo.oneShop.phone);
    const sent = providers.twilio.received.at(-1)!;
    expect(sent.StatusCallback).toBe(`http://localhost:3000/webhooks/twilio/status/${m.id}`);
    const params = { MessageSid: m.provider_id!, MessageStatus: 'delivered', AccountSid: `AC${'4'.repeat(32)}`, To: '+15125550187' };

    expect((await twilioCallback(sent.StatusCallback!, params, 'forged')).statusCode).toBe(403);
    expect((await twilioCallback(sent.StatusCallback!, { ...params, MessageStatus: 'failed' }, twilioSignature(TOKEN, sent.StatusCallback!, params))).statusCode).toBe(403);
    for (let i = 0; i < 3; i++) expect((await twilioCallback(sent.StatusCallback!, params)).statusCode).toBe(204);

    const row = await t.db.selectFrom('outbox_messages').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.delivery_status).toBe('delivered');
    expect((await events(m.id)).filter((e) => e.kind === 'provider:delivered')).toHaveLength(1);

    // A late "sent" never moves a delivered message backwards.
    await twilioCallback(sent.StatusCallback!, { ...params, MessageStatus: 'sent' });
    expect((await t.db.selectFrom('outbox_messages').select('delivery_status').where('id', '=', m.id).executeTakeFirstOrThrow()).delivery_status).toBe('delivered');
  });

  it('explains carrier errors in plain words for the owner', async () => {
    const m = await sendLogin(demo.oneShop.phone);
    const cb = providers.twilio.received.at(-1)!.StatusCallback!;
    await twilioCallback(cb, { MessageSid: m.provider_id!, MessageStatus: 'undelivered', ErrorCode: '30007' });
    const row = await t.db.selectFrom('outbox_messages').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ delivery_status: 'undelivered', delivery_error_code: '30007' });
    expect(row.delivery_reason).toContain('filtered the text as possible spam');
    const audit = await t.db.selectFrom('audit_events').select(['action', 'data']).where('subject_id', '=', m.login_request_id).orderBy('id').execute();
    expect(audit.at(-1)!.action).toBe('delivery.undelivered');
    expect(JSON.parse(audit.at(-1)!.data)).toMatchObject({ errorCode: '30007', to: '***-***-0187' });

    const stop = await sendLogin(demo.oneShop.phone);
    await twilioCallback(providers.twilio.received.at(-1)!.StatusCallback!, { MessageSid: stop.provider_id!, MessageStatus: 'failed', ErrorCode: '21610' });
    expect((await t.db.selectFrom('outbox_messages').select('delivery_reason').where('id', '=', stop.id).executeTakeFirstOrThrow()).delivery_reason).toContain('replied STOP');
  });

  it('ignores callbacks for another message id', async () => {
    const m = await sendLogin(demo.oneShop.phone);
    const other = await sendLogin(demo.bothShops.phone);
    const cb = `http://localhost:3000/webhooks/twilio/status/${m.id}`;
    expect((await twilioCallback(cb, { MessageSid: other.provider_id!, MessageStatus: 'delivered' })).statusCode).toBe(204);
    expect((await t.db.selectFrom('outbox_messages').select('delivery_status').where('id', '=', m.id).executeTakeFirstOrThrow()).delivery_status).toBeNull();
  });
});

describe(`email webhooks (${storeKind})`, () => {
  function post(url: string, body: string, headers: Record<string, string> = {}) {
    return t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: body });
  }
  const signed = (body: string, at = Math.floor(t.clock.now() / 1000)) => ({ 'x-servicio-signature': servicioSignature(EMAIL_SECRET, at, body) });

  it('marks a message bounced with the reason, once', async () => {
    const m = await sendLogin(demo.oneShop.email);
    expect(m.provider_id).toBe(`${m.id}@servicio.example`);
    expect(providers.smtp.received.at(-1)!.messageId).toBe(`<${m.id}@servicio.example>`);
    const body = JSON.stringify({ events: [{ id: 'evt-1', type: 'bounced', messageId: `<${m.provider_id}>`, code: '550', reason: 'Mailbox does not exist' }] });
    expect((await post('/webhooks/email', body, signed(body))).json()).toEqual({ results: ['recorded'] });
    expect((await post('/webhooks/email', body, signed(body))).json()).toEqual({ results: ['duplicate'] });
    const row = await t.db.selectFrom('outbox_messages').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ delivery_status: 'bounced', delivery_reason: 'Mailbox does not exist', delivery_error_code: '550' });
  });

  it('refuses unsigned, tampered and stale requests, and explains bad payloads', async () => {
    const body = JSON.stringify({ events: [{ id: 'evt-2', type: 'bounced', messageId: 'x@y' }] });
    expect((await post('/webhooks/email', body)).statusCode).toBe(403);
    expect((await post('/webhooks/email', body.replace('evt-2', 'evt-3'), signed(body))).statusCode).toBe(403);
    expect((await post('/webhooks/email', body, signed(body, Math.floor(t.clock.now() / 1000) - 3600))).statusCode).toBe(403);
    const bad = JSON.stringify({ events: [{ id: 'e', type: 'exploded', messageId: 'x' }] });
    const res = await post('/webhooks/email', bad, signed(bad));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.path).toBe('events.0.type');
  });

  it('reads Mailgun events: permanent failures bounce, temporary ones only get recorded', async () => {
    const m = await sendLogin(demo.oneShop.email);
    const mailgun = (id: string, event: string, severity?: string) => {
      const timestamp = String(Math.floor(t.clock.now() / 1000));
      const token = `tok-${id}`;
      return JSON.stringify({
        signature: { timestamp, token, signature: createHmac('sha256', MAILGUN_KEY).update(timestamp + token).digest('hex') },
        'event-data': { id, event, severity, recipient: 'maria@example.com', message: { headers: { 'message-id': m.provider_id } }, 'delivery-status': { code: 550, description: 'The mailbox is full' } },
      });
    };
    expect((await post('/webhooks/email/mailgun', mailgun('mg-1', 'failed', 'temporary'))).json()).toEqual({ result: 'recorded' });
    expect((await t.db.selectFrom('outbox_messages').select('delivery_status').where('id', '=', m.id).executeTakeFirstOrThrow()).delivery_status).toBeNull();
    await post('/webhooks/email/mailgun', mailgun('mg-2', 'failed', 'permanent'));
    const row = await t.db.selectFrom('outbox_messages').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ delivery_status: 'bounced', delivery_reason: 'The mailbox is full', delivery_error_code: '550' });
    // The signature does not cover the event: a captured one must not carry a second, forged event.
    const captured = mailgun('mg-4', 'delivered');
    expect((await post('/webhooks/email/mailgun', captured)).statusCode).toBe(200);
    const replayed = JSON.parse(captured);
    replayed['event-data'].id = 'mg-5';
    expect((await post('/webhooks/email/mailgun', JSON.stringify(replayed))).json().error.code).toBe('REPLAYED');
    const forged = JSON.parse(mailgun('mg-3', 'delivered'));
    forged.signature.signature = '0'.repeat(64);
    expect((await post('/webhooks/email/mailgun', JSON.stringify(forged))).statusCode).toBe(403);
  });
});
