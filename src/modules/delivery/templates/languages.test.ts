// Every message a homeowner gets, in English and in Spanish, from the `email` catalogs.
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../../lib/i18n.ts';
import { render, type TemplateData, type TemplateName } from './index.ts';
import { isGsm7, smsSegments } from './sms.ts';

const link = `https://portal.servicio.example/l/${'a'.repeat(48)}`;
const brand = { shopName: 'Greenway Lawn Care', brandColor: '#15803d', logoUrl: null };
const contact = { phone: '+15125550187', email: 'hola@greenway.example', address: '1200 Barton Springs Rd\nAustin, TX 78704' };
const issuedAt = Date.UTC(2026, 10, 25, 15, 42);

/** One sample of every template (without its language). */
const samples: { [K in TemplateName]: Omit<TemplateData[K], 'locale'> } = {
  'login-link': { shopNames: ['Greenway Lawn Care'], brandColor: '#15803d', link, code: '042517', minutes: 30 },
  'unknown-email': { loginUrl: 'https://portal.servicio.example/client-login' },
  'invoice-email': { ...brand, kind: 'sent', clientName: 'María López', number: '1042', totalCents: 26500, currency: 'USD', dueDate: '2026-11-25', link, contact },
  'report-email': { ...brand, clientName: 'María López', title: 'Corte de césped', serviceDate: '2026-11-24', technician: 'Luis Ortega', summary: 'Todo en orden.', link },
  'recovery-link': { ...brand, link, minutes: 15 },
  'recovery-notice': { ...brand, when: issuedAt, shopContact: 'gina@greenway.example', portalUrl: 'https://portal.servicio.example/client-login' },
  'contact-code': { ...brand, code: '314159', minutes: 15, kind: 'phone', portalUrl: 'https://portal.servicio.example/portal/profile' },
  'contact-changed': { ...brand, kind: 'email', newMasked: 'n***@example.com', shopContact: null, portalUrl: 'https://portal.servicio.example/client-login' },
  'payment-receipt': { ...brand, clientName: 'María López', number: '1042', amountCents: 26500, currency: 'USD', paidAt: issuedAt, reference: 'test_ch_9f8e7d', invoiceUrl: 'https://portal.servicio.example/portal/invoices/inv_1', contact },
};
const names = Object.keys(samples) as TemplateName[];
const renderIn = <T extends TemplateName>(t: T, locale?: string, extra: Partial<TemplateData[T]> = {}) => render(t, { ...samples[t], ...(locale === undefined ? {} : { locale }), ...extra } as TemplateData[T]);
/** What a reader sees of an email's HTML: its words, without tags. */
const words = (h: string) => h.replace(/<[^>]+>/g, ' ').replace(/&[a-z#0-9]+;/g, ' ');

function keysOf(o: unknown, prefix = ''): string[] {
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => (typeof v === 'object' && v ? keysOf(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe('email catalogs', () => {
  it('have the same keys in English and Spanish, none empty', () => {
    const c = loadCatalogs();
    expect(keysOf(c.es.email).sort()).toEqual(keysOf(c.en.email).sort());
    for (const lng of ['en', 'es'] as const) for (const k of keysOf(c[lng].email)) expect(k.split('.').reduce<any>((o, p) => o[p], c[lng].email).trim(), `${lng} ${k}`).not.toBe('');
  });
});

describe.each(['en', 'es'])('every template in %s', (locale) => {
  it.each(names)('%s: found every sentence, marks the language, keeps texts GSM-7', (t) => {
    const m = renderIn(t, locale);
    for (const part of [m.subject, m.text, m.html, m.sms]) {
      expect(part).not.toMatch(/\{\{|\}\}/); // a variable the catalog names but the template did not give
      expect(part).not.toMatch(/\b(email|common|loginLink|invoice|receipt|report|recovery\w*|contact\w*|unknownEmail|shopContact)\.[a-z]/); // a key with no sentence
    }
    expect(m.subject.length).toBeGreaterThan(10);
    expect(m.html).toContain(`<html lang="${locale}">`);
    if (m.sms) {
      expect(isGsm7(m.sms)).toBe(true);
      expect(smsSegments(m.sms)).toBeLessThanOrEqual(2);
    }
  });
});

describe('Spanish messages', () => {
  // Words that give away an English sentence left in a Spanish message.
  const english = /\b(the|your|you|sign in|tap|link|code|invoice|payment|report|received|if this|thank)\b/i;
  const shopWords = new Set(['Greenway', 'Lawn', 'Care', 'BlueWave', 'Pool', 'Service', 'Servicio']);
  const withoutNames = (s: string) => s.split(/\s+/).filter((w) => !shopWords.has(w.replace(/[^\w]/g, ''))).join(' ');

  it.each(names)('%s has no English sentence in its subject, text, HTML or SMS', (t) => {
    const m = renderIn(t, 'es');
    for (const part of [m.subject, m.text, words(m.html), m.sms]) expect(withoutNames(part.replace(/https?:\/\/\S+/g, ''))).not.toMatch(english);
  });

  it('writes the login message in Spanish, the code where a reader finds it', () => {
    const m = renderIn('login-link', 'es');
    expect(m.subject).toBe('Su enlace para iniciar sesión en Greenway Lawn Care');
    expect(m.text).toContain('O escriba este código en la página de inicio de sesión: 042517');
    expect(m.text).toContain('vencen en 30 minutos');
    expect(m.html).toContain('Iniciar sesión en mi portal');
    expect(m.sms).toBe(`Greenway Lawn Care: inicie sesion en ${link} o con el codigo 042517. Vence en 30 min.`);
  });

  it('names both shops with "y" in the subject, the header and the text message', () => {
    const m = renderIn('login-link', 'es', { shopNames: ['BlueWave Pool Service', 'Greenway Lawn Care'] });
    expect(m.subject).toBe('Su enlace para iniciar sesión en BlueWave Pool Service y Greenway Lawn Care');
    expect(m.html).toContain('>BlueWave Pool Service y Greenway Lawn Care</td>');
    expect(m.text).toContain('Usted es cliente de BlueWave Pool Service y Greenway Lawn Care; podrá elegir qué portal abrir.');
    expect(m.sms.startsWith('BlueWave Pool Service y Greenway Lawn Care: inicie sesion en ')).toBe(true);
    expect(isGsm7(m.sms)).toBe(true);
    expect(smsSegments(m.sms)).toBeLessThanOrEqual(2);
    const three = renderIn('login-link', 'es', { shopNames: ['A Pools', 'B Lawns', 'C Pest'] });
    expect(three.subject).toBe('Su enlace para iniciar sesión en A Pools, B Lawns y C Pest');
  });

  it('keeps ñ, é and ü in a Spanish text (GSM-7 has them) and folds á, í, ó, ú (it does not)', () => {
    const m = renderIn('login-link', 'es', { shopNames: ['Jardinería Peña & Müller'] });
    expect(m.sms.startsWith('Jardineria Peña & Müller: inicie sesion en')).toBe(true);
    expect(isGsm7(m.sms)).toBe(true);
    expect(m.sms).not.toMatch(/[áíóúÁÍÓÚ]/);
  });

  it('writes money and dates the Spanish way, and the shop contact details under the invoice', () => {
    const m = renderIn('invoice-email', 'es', { kind: 'reminder' });
    expect(m.subject).toBe('Recordatorio: la factura 1042 ($265.00) vence el 25 de noviembre de 2026');
    expect(m.text.startsWith('Hola, María:\n')).toBe(true);
    expect(m.html).toContain('Ver y pagar $265.00');
    expect(m.text).toContain('¿Tiene preguntas? Comuníquese con Greenway Lawn Care:\nTeléfono: (512) 555-0187\nCorreo: hola@greenway.example\n1200 Barton Springs Rd\nAustin, TX 78704');
    expect(m.html).toContain('<a href="tel:+15125550187"');
    expect(m.html).toContain('Teléfono: (512) 555-0187');
    expect(m.html).toContain('1200 Barton Springs Rd<br>\nAustin, TX 78704');
  });

  it('leaves the contact block out when the shop has set none', () => {
    for (const t of ['invoice-email', 'payment-receipt'] as const) {
      const m = renderIn(t, 'es', { contact: null });
      expect(m.text).not.toContain('Comuníquese con');
      expect(m.html).not.toContain('tel:');
    }
  });

  it('writes the receipt: thanks, invoice number, amount, date and reference, a button to the invoice', () => {
    const m = renderIn('payment-receipt', 'es');
    expect(m.subject).toBe('Recibimos su pago de la factura 1042. ¡Gracias!');
    expect(m.text).toContain('Pago recibido. ¡Gracias!');
    expect(m.text).toContain('Factura: 1042\nMonto pagado: $265.00\nFecha de pago: 25 de noviembre de 2026\nReferencia del pago: test_ch_9f8e7d');
    expect(m.html).toContain('href="https://portal.servicio.example/portal/invoices/inv_1"');
    expect(m.html).toContain('Ver la factura');
    expect(m.text).toContain('Teléfono: (512) 555-0187');
  });

  it('writes the service report, recovery and contact messages in Spanish', () => {
    expect(renderIn('report-email', 'es').subject).toBe('Su informe de servicio de Greenway Lawn Care — 24 de noviembre de 2026');
    expect(renderIn('report-email', 'es').html).toContain('<strong>Luis Ortega</strong>, de Greenway Lawn Care, realizó el servicio el 24 de noviembre de 2026');
    expect(renderIn('recovery-link', 'es').subject).toBe('Su enlace de recuperación para Greenway Lawn Care');
    expect(renderIn('recovery-link', 'es').sms).toContain('enlace de recuperacion de un solo uso');
    expect(renderIn('contact-code', 'es').subject).toBe('Su código para confirmar este número de celular: 314159');
    expect(renderIn('contact-code', 'es').sms).toBe('Greenway Lawn Care: su codigo para confirmar este numero es 314159. Vence en 15 min.');
    expect(renderIn('contact-changed', 'es').subject).toBe('Se cambió su correo electrónico para Greenway Lawn Care');
    expect(renderIn('contact-changed', 'es').text).toContain('Si no fue usted, comuníquese directamente con Greenway Lawn Care.');
    expect(renderIn('unknown-email', 'es').subject).toBe('No encontramos un portal de cliente para esta dirección');
  });

  it('writes the time of a recovery in the language of the notice', () => {
    const es = renderIn('recovery-notice', 'es');
    expect(es.text).toContain('en su portal de Greenway Lawn Care el 25 de noviembre a las 3:42 p.m. (hora UTC). Si no fue usted, comuníquese con Greenway Lawn Care en gina@greenway.example.');
    expect(es.sms).toContain('el 25 de noviembre a las 3:42 p.m. (hora UTC)');
    expect(renderIn('recovery-notice', 'en').text).toContain('portal at 3:42 PM UTC on November 25. If this wasn');
  });
});

describe('messages queued before languages', () => {
  it('render in English when the locale is absent or not ours', () => {
    for (const locale of [undefined, 'fr', '']) {
      const m = renderIn('login-link', locale);
      expect(m.subject).toBe('Your sign-in link for Greenway Lawn Care');
      expect(m.html).toContain('<html lang="en">');
    }
    expect(renderIn('invoice-email', undefined, { contact: undefined }).subject).toBe('Invoice 1042 from Greenway Lawn Care: $265.00');
  });

  it('keep a recovery notice whose time was already written ("3:42 PM UTC on Nov 25")', () => {
    const m = renderIn('recovery-notice', undefined, { when: '3:42 PM UTC on Nov 25' });
    expect(m.text.startsWith('Servicio support issued a sign-in link for your Greenway Lawn Care portal at 3:42 PM UTC on Nov 25. If this wasn')).toBe(true);
  });
});
