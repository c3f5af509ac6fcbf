// Demo data for a fresh clone: two shops, a client of one and a client of both.
import type { ClientsService } from '../clients/clients.service.ts';
import type { TenantsService } from '../tenants/tenants.service.ts';

export const demo = {
  shops: [
    { slug: 'greenway-lawn', name: 'Greenway Lawn Care', brandColor: '#15803d' },
    { slug: 'bluewave-pools', name: 'BlueWave Pool Service', brandColor: '#0369a1' },
  ],
  /** A client of Greenway only. */
  oneShop: { name: 'Maria Lopez', email: 'maria@example.com', phone: '+1 512 555 0187' },
  /** A client of both shops: the tenant picker appears after sign-in. */
  bothShops: { name: 'Sam Carter', email: 'sam@example.com', phone: '+1 512 555 0142' },
} as const;

export async function seedDemo(d: { tenants: TenantsService; clients: ClientsService }) {
  const [lawn, pools] = [await d.tenants.create(demo.shops[0]), await d.tenants.create(demo.shops[1])];
  await d.clients.add(lawn.id, demo.oneShop);
  await d.clients.add(lawn.id, demo.bothShops);
  await d.clients.add(pools.id, demo.bothShops);
  return { tenants: [lawn, pools] };
}
