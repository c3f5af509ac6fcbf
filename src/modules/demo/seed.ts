// Demo data for a fresh clone: two shops, two clients of one (one prefers Spanish) and a client of both.
import type { Config } from '../../config.ts';
import type { ClientsService } from '../clients/clients.service.ts';
import type { InvoicesService } from '../invoices/invoices.service.ts';
import type { ReportsService } from '../reports/reports.service.ts';
import type { Notifications } from '../notifications/notifications.service.ts';
import type { TenantsService } from '../tenants/tenants.service.ts';
import type { StaffService } from '../staff/staff.service.ts';
import type { SupportService } from '../support/support.service.ts';

export const demo = {
  shops: [
    {
      slug: 'greenway-lawn',
      name: 'Greenway Lawn Care',
      brandColor: '#15803d',
      contactPhone: '+1 512 555 0100',
      contactEmail: 'hello@greenway.example',
      address: '4100 Burnet Rd\nAustin, TX 78756',
    },
    {
      slug: 'bluewave-pools',
      name: 'BlueWave Pool Service',
      brandColor: '#0369a1',
      contactPhone: '+1 512 555 0199',
      contactEmail: 'hello@bluewave.example',
      address: '2200 S Lamar Blvd, Suite 4\nAustin, TX 78704',
    },
  ],
  /** One owner per demo shop, for the shop console (/shop/sign-in). */
  owners: [
    { name: 'Gina Green', email: 'owner@greenway.example' },
    { name: 'Ben Blue', email: 'owner@bluewave.example' },
  ],
  /** A client of Greenway only. */
  oneShop: { name: 'Maria Lopez', email: 'maria@example.com', phone: '+1 512 555 0187' },
  /** A client of Greenway only who prefers Spanish: her portal and messages are in Spanish. */
  spanish: { name: 'Lucía Hernández', email: 'lucia@example.com', phone: '+1 512 555 0166', locale: 'es' },
  /** A client of both shops: the tenant picker appears after sign-in. */
  bothShops: { name: 'Sam Carter', email: 'sam@example.com', phone: '+1 512 555 0142' },
  /** A Servicio support agent (/support/sign-in; sets up an authenticator app on first sign-in). */
  agent: { name: 'Ana Alvarez', email: 'support@servicio.example' },
} as const;

export async function seedDemo(d: { tenants: TenantsService; clients: ClientsService; staff: StaffService; support: SupportService }) {
  const [lawn, pools] = [await d.tenants.create(demo.shops[0]), await d.tenants.create(demo.shops[1])];
  await d.staff.add(lawn.id, { ...demo.owners[0], role: 'owner' });
  await d.staff.add(pools.id, { ...demo.owners[1], role: 'owner' });
  await d.clients.add(lawn.id, { ...demo.oneShop, externalId: 'maria' });
  await d.clients.add(lawn.id, { ...demo.spanish, externalId: 'lucia' });
  await d.clients.add(lawn.id, { ...demo.bothShops, externalId: 'sam' });
  await d.clients.add(pools.id, { ...demo.bothShops, externalId: 'sam' });
  await d.support.add(demo.agent);
  return { tenants: [lawn, pools] };
}

/**
 * For `npm start` (and `servicio seed`): something to look at in the portal — open and paid
 * invoices, service reports — and one invoice email with its one-tap link waiting in the
 * development outbox. Only there: when a real email or SMS provider is configured, no message at
 * all is queued (the demo clients' addresses are examples; delivery refuses them too, see
 * delivery/reserved.ts). Says whether the email was queued.
 */
export async function seedDemoContent(
  d: { invoices: InvoicesService; reports: ReportsService; notifications: Notifications },
  tenants: { id: string }[],
  today: Date,
  delivery: Pick<Config, 'email' | 'sms'>,
): Promise<{ invoiceEmailQueued: boolean }> {
  const [lawn, pools] = tenants as [{ id: string }, { id: string }];
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const mowing = { description: 'Weekly mowing', quantity: 4, unitCents: 4500 };
  await d.invoices.upsert(lawn.id, 'INV-1042', { clientExternalId: 'maria', number: '1042', currency: 'USD', lineItems: [mowing, { description: 'Leaf cleanup', quantity: 1, unitCents: 8500 }], issueDate: day(-5), dueDate: day(9), status: 'sent' });
  await d.invoices.upsert(lawn.id, 'INV-1017', { clientExternalId: 'maria', number: '1017', currency: 'USD', lineItems: [mowing], issueDate: day(-35), dueDate: day(-21), status: 'sent' });
  await d.invoices.close(lawn.id, 'INV-1017', 'paid');
  await d.reports.upsert(lawn.id, 'VISIT-301', {
    clientExternalId: 'maria',
    serviceDate: day(-1),
    technician: 'Dev Patel',
    title: 'Weekly lawn service',
    notes: 'Mowed front and back, edged the driveway and blew off the walkways. The back corner by the fence stays wet; worth checking that sprinkler head.',
    checklist: [{ item: 'Mow front and back', done: true }, { item: 'Edge driveway', done: true }, { item: 'Check irrigation', done: false }],
    photos: [],
  });
  // Lucía's portal is in Spanish; what the shop's own system wrote (line items, notes) stays as written.
  await d.invoices.upsert(lawn.id, 'INV-1051', { clientExternalId: 'lucia', number: '1051', currency: 'USD', lineItems: [mowing, { description: 'Spring fertilizer application', quantity: 1, unitCents: 7500 }], issueDate: day(-3), dueDate: day(11), status: 'sent' });
  await d.reports.upsert(lawn.id, 'VISIT-305', {
    clientExternalId: 'lucia',
    serviceDate: day(-2),
    technician: 'Dev Patel',
    title: 'Weekly lawn service and fertilizer',
    notes: 'Mowed front and back and applied the spring fertilizer. Water lightly for the next two days.',
    checklist: [{ item: 'Mow front and back', done: true }, { item: 'Apply fertilizer', done: true }, { item: 'Check irrigation', done: true }],
    photos: [],
  });
  await d.invoices.upsert(pools.id, 'P-88', { clientExternalId: 'sam', number: 'P-88', currency: 'USD', lineItems: [{ description: 'Pool opening and chemical balance', quantity: 1, unitCents: 18900 }], issueDate: day(-2), dueDate: day(12), status: 'sent' });
  // Demo messages land only in the development outbox: with a real provider, none is queued.
  if (delivery.email.kind !== 'dev' || delivery.sms.kind !== 'dev') return { invoiceEmailQueued: false };
  await d.notifications.send(lawn.id, 'invoice_sent', 'INV-1042');
  return { invoiceEmailQueued: true };
}
