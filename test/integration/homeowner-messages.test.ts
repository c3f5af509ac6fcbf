// The language of what a homeowner is sent (the client's own preference, else the page they asked
// from, else English), and the receipt email queued with a payment — once, and never for a
// payment that did not go through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentProvider } from '../../src/modules/payments/payment-provider.ts';
import { isGsm7, smsSegments } from '../../src/modules/delivery/templates/sms.ts';
import { makeClient, makeInvoice, makeShop, newPhone } from '../helpers/factories.ts';
import { startTestServer, storeKind, type TestServer } from '../helpers/harness.ts';

let t: TestServer;
/** The test provider, with a switch: while `declining`, every charge is refused. */
let declining = false;
let charges = 0;
const provider: PaymentProvider = {
  name: 'test-switch',
  async charge() {
    if (declining) throw new Error('Card declined');
    return { reference: `ref_${++charges}` };
  },
};

beforeAll(async () => {
  t = await startTestServer({ seed: false, payments: provider });
});
afterAll(async () => t?.close());

const ctx = (locale?: string) => ({ ip: '198.51.100.7', userAgent: 'vitest', ...(locale ? { locale } : {}) });
const prefer = (clientId: string, locale: string | null) => t.db.updateTable('clients').set({ locale }).where('id', '=', clientId).execute();

/** Asks for a sign-in link as the login page does, from a page in `pageLocale`; returns what was sent. */
async function askFrom(identifier: string, pageLocale?: string) {
  t.clock.advance(1000);
  await t.services.login.request(identifier, ctx(pageLocale));
  return t.lastMessageTo(identifier.startsWith('+') ? identifier : identifier.toLowerCase());
}

async function queued(template: string, clientId: string) {
  return t.db.selectFrom('outbox_messages').select(['id', 'to_address', 'tenant_id', 'client_id', 'channel']).where('template', '=', template).where('client_id', '=', clientId).execute();
}

describe(`the language of the sign-in message (${storeKind})`, () => {
  it('writes it in Spanish for a client who prefers Spanish, whatever page they asked from', async () => {
    const shop = await makeShop(t, { name: 'Greenway Lawn Care' });
    const c = await makeClient(t, shop.id);
    await prefer(c.id, 'es');
    for (const page of [undefined, 'en']) {
      const m = await askFrom(c.email!, page);
      expect(m.subject).toBe('Su enlace para iniciar sesión en Greenway Lawn Care');
      expect(m.html).toContain('<html lang="es">');
      expect(m.text).toContain('O escriba este código en la página de inicio de sesión:');
      expect(m.text).not.toContain('Tap this link');
      expect(m.code).toMatch(/^\d{6}$/);
    }
    const row = await t.db.selectFrom('login_requests').select('locale').where('identifier', '=', c.email!).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(row.locale).toBe('en'); // the page's language is kept; the client's preference won
  });

  it('writes it in the language of the page for a client who has not said, and in English by default', async () => {
    const shop = await makeShop(t, { name: 'BlueWave Pool Service' });
    const c = await makeClient(t, shop.id);
    const es = await askFrom(c.email!, 'es');
    expect(es.subject).toBe('Su enlace para iniciar sesión en BlueWave Pool Service');
    expect(es.html).toContain('<html lang="es">');
    const en = await askFrom(c.email!);
    expect(en.subject).toBe('Your sign-in link for BlueWave Pool Service');
    expect(en.html).toContain('<html lang="en">');
    expect(en.text).not.toContain('código');
  });

  it('keeps an English-preferring client in English when they ask from a Spanish page', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    await prefer(c.id, 'en');
    const m = await askFrom(c.email!, 'es');
    expect(m.subject).toBe(`Your sign-in link for ${shop.name}`);
    expect(m.html).toContain('<html lang="en">');
  });

  it('texts a Spanish sign-in in GSM-7, naming both shops of a client of two', async () => {
    const phone = newPhone();
    const lawn = await makeShop(t, { name: 'Césped Águila' });
    const pool = await makeShop(t, { name: 'Piscinas Peña' });
    const a = await makeClient(t, lawn.id, { phone, email: null });
    const b = await makeClient(t, pool.id, { phone, email: null });
    await prefer(a.id, 'es'); // one shop knows the preference, the other does not
    const m = await askFrom(phone);
    expect(m.text.startsWith('Césped Aguila y Piscinas Peña: inicie sesion en ')).toBe(true); // é and ñ are GSM-7, Á is not
    expect(isGsm7(m.text)).toBe(true);
    expect(smsSegments(m.text)).toBeLessThanOrEqual(2);
    expect(m.text).not.toContain('service providers');
    // Preferences that disagree: the page decides.
    await prefer(b.id, 'en');
    expect((await askFrom(phone, 'en')).text).toMatch(/^Césped Aguila and Piscinas Peña: tap to sign in /);
    expect((await askFrom(phone, 'es')).text).toMatch(/^Césped Aguila y Piscinas Peña: inicie sesion en /);
  });

  it('writes the "no portal uses this address" notice in the language of the page', async () => {
    const email = `nobody-${Date.now()}@example.com`;
    t.clock.advance(1000);
    await t.services.login.request(email, ctx('es'));
    const [m] = await t.messagesTo(email); // a notice, with no sign-in link
    if (!m) throw new Error('no notice was sent');
    expect(m.subject).toBe('No encontramos un portal de cliente para esta dirección');
    expect(m.html).toContain('<html lang="es">');
    expect(m.html).toContain('/client-login?lang=es');
  });
});

describe(`the shop's automated emails (${storeKind})`, () => {
  it('sends an invoice in the client’s language, with the shop’s contact details under it', async () => {
    const shop = await makeShop(t, { name: 'BlueWave Pool Service' });
    await t.db.updateTable('tenants').set({ contact_phone: '+15125550123', contact_email: null, address: null }).where('id', '=', shop.id).execute();
    const c = await makeClient(t, shop.id, { name: 'Rosa Díaz' });
    await prefer(c.id, 'es');
    const inv = await makeInvoice(t, shop.id, c.external_id!, { number: '77', cents: 12000 });
    await t.services.notifications.send(shop.id, 'invoice_sent', inv.external_id);
    const [m] = await t.messagesTo(c.email!);
    if (!m) throw new Error('no invoice email was sent');
    expect(m.subject).toBe('Factura 77 de BlueWave Pool Service: $120.00');
    expect(m.text.startsWith('Hola, Rosa:')).toBe(true);
    expect(m.text).toContain('¿Tiene preguntas? Comuníquese con BlueWave Pool Service:\nTeléfono: (512) 555-0123');
    expect(m.text).not.toContain('Correo:'); // not set, not shown
    expect(m.html).toContain('<html lang="es">');
  });
});

describe(`the receipt after paying (${storeKind})`, () => {
  it('queues exactly one receipt with the payment, in the client’s language, with the shop’s contact details', async () => {
    const shop = await makeShop(t, { name: 'Greenway Lawn Care' });
    await t.db.updateTable('tenants').set({ contact_phone: '+15125550199', contact_email: 'hola@greenway.example', address: '1200 Barton Springs Rd\nAustin, TX 78704' }).where('id', '=', shop.id).execute();
    const c = await makeClient(t, shop.id, { name: 'María López' });
    await prefer(c.id, 'es');
    const inv = await makeInvoice(t, shop.id, c.external_id!, { number: '2042', cents: 26500 });
    expect(await queued('payment-receipt', c.id)).toEqual([]);

    await t.services.payments.pay({ tenantId: shop.id, clientId: c.id, id: 'test-session' }, inv.id);
    const rows = await queued('payment-receipt', c.id);
    expect(rows).toEqual([{ id: expect.any(String), to_address: c.email, tenant_id: shop.id, client_id: c.id, channel: 'email' }]);
    const payment = await t.db.selectFrom('payments').select(['provider_ref', 'created_at']).where('invoice_id', '=', inv.id).executeTakeFirstOrThrow();
    const audit = await t.db.selectFrom('audit_events').select(['action', 'data']).where('subject_id', '=', inv.id).where('action', 'in', ['invoice.paid_by_client', 'email.payment_receipt']).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['invoice.paid_by_client', 'email.payment_receipt']);
    expect(JSON.parse(audit[1]!.data)).toMatchObject({ message: rows[0]!.id });

    const [m] = await t.messagesTo(c.email!); // the newest: a receipt carries no sign-in link
    if (!m) throw new Error('no receipt was sent');
    expect(m.subject).toBe('Recibimos su pago de la factura 2042. ¡Gracias!');
    expect(m.html).toContain('<html lang="es">');
    expect(m.text).toContain('Pago recibido. ¡Gracias!');
    expect(m.text).toContain('Monto pagado: $265.00');
    expect(m.text).toContain(`Referencia del pago: ${payment.provider_ref}`);
    expect(m.text).toContain('Teléfono: (512) 555-0199');
    expect(m.text).toContain('1200 Barton Springs Rd\nAustin, TX 78704');
    expect(m.html).toContain(`href="${t.config.publicUrl}/portal/invoices/${inv.id}"`);

    // A second press finds the invoice paid: no second charge, no second receipt.
    await expect(t.services.payments.pay({ tenantId: shop.id, clientId: c.id, id: 'test-session' }, inv.id)).rejects.toMatchObject({ code: expect.any(String) });
    expect(await queued('payment-receipt', c.id)).toHaveLength(1);
  });

  it('queues no receipt for a declined payment, and none for a client without an email', async () => {
    const shop = await makeShop(t);
    const c = await makeClient(t, shop.id);
    const inv = await makeInvoice(t, shop.id, c.external_id!);
    declining = true;
    try {
      await expect(t.services.payments.pay({ tenantId: shop.id, clientId: c.id, id: 'test-session' }, inv.id)).rejects.toMatchObject({ code: 'PAYMENT_DECLINED' });
    } finally {
      declining = false;
    }
    expect((await t.db.selectFrom('invoices').select('status').where('id', '=', inv.id).executeTakeFirstOrThrow()).status).toBe('sent');
    expect(await queued('payment-receipt', c.id)).toEqual([]);
    const actions = (await t.db.selectFrom('audit_events').select('action').where('subject_id', '=', inv.id).execute()).map((a) => a.action);
    expect(actions).toContain('invoice.payment_declined');
    expect(actions).not.toContain('email.payment_receipt');

    const textsOnly = await makeClient(t, shop.id, { email: null, phone: newPhone() });
    const inv2 = await makeInvoice(t, shop.id, textsOnly.external_id!);
    await t.services.payments.pay({ tenantId: shop.id, clientId: textsOnly.id, id: 'test-session' }, inv2.id);
    expect((await t.db.selectFrom('invoices').select('status').where('id', '=', inv2.id).executeTakeFirstOrThrow()).status).toBe('paid');
    expect(await t.db.selectFrom('outbox_messages').select('id').where('client_id', '=', textsOnly.id).execute()).toEqual([]);
    expect((await t.db.selectFrom('audit_events').select('action').where('subject_id', '=', inv2.id).execute()).map((a) => a.action)).not.toContain('email.payment_receipt');
  });
});
