// Sign-in health for one shop over the last 30 days: the funnel (asked, sent, delivered, opened,
// signed in) by channel, the delivery rate and the top reasons messages failed, day by day.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { DAY } from '../../lib/clock.ts';
import { outcomeOf } from '../delivery/outcome.ts';
import { healthRepo } from './health.repo.ts';

export type Channel = 'email' | 'sms';
export interface Funnel {
  asked: number;
  sent: number;
  delivered: number;
  failed: number;
  opened: number;
  signedIn: number;
}
export interface Health {
  days: { day: string; asked: number; signedIn: number }[];
  byChannel: Record<Channel, Funnel>;
  total: Funnel;
  refused: { reason: string; count: number }[];
  failures: { reason: string; count: number }[];
}

const empty = (): Funnel => ({ asked: 0, sent: 0, delivered: 0, failed: 0, opened: 0, signedIn: 0 });
const REFUSALS: Record<string, string> = {
  rate_limited: 'Too many requests for one address (flood protection)',
  sms_budget: 'Daily texting budget used up',
  sms_country: 'Number in a country we don’t text',
  sms_not_mobile: 'Number can’t receive texts (landline or not a mobile)',
  channel_off: 'Channel turned off in Security settings',
};

export function createHealth(deps: { db: Kysely<DB>; clock: Clock }) {
  return {
    async lastDays(tenantId: string, n = 30): Promise<Health> {
      const now = deps.clock.now();
      const today = Math.floor(now / DAY) * DAY;
      const since = today - (n - 1) * DAY;
      const repo = healthRepo(deps.db);
      const [decisions, logins, messages] = await Promise.all([repo.decisions(tenantId, since), repo.logins(tenantId, since), repo.messages(tenantId, since)]);
      const dayOf = (ms: number) => new Date(Math.floor(ms / DAY) * DAY).toISOString().slice(0, 10);
      const days = new Map(Array.from({ length: n }, (_, i) => [new Date(since + i * DAY).toISOString().slice(0, 10), { asked: 0, signedIn: 0 }]));
      const byChannel: Record<Channel, Funnel> = { email: empty(), sms: empty() };
      const refused = new Map<string, number>();
      for (const d of decisions) {
        const data = JSON.parse(d.data) as { channel?: Channel; reason?: string; audience?: string };
        if (data.audience === 'staff') continue; // the shop's own people signing in to the console
        const f = byChannel[data.channel === 'sms' ? 'sms' : 'email'];
        f.asked++;
        days.get(dayOf(d.created_at))!.asked++;
        if (d.action === 'login.link_issued') f.sent++;
        else {
          const why = REFUSALS[data.reason ?? ''] ?? data.reason ?? 'Refused';
          refused.set(why, (refused.get(why) ?? 0) + 1);
        }
      }
      const failures = new Map<string, number>();
      for (const m of messages) {
        const o = outcomeOf(m);
        const f = byChannel[m.channel];
        if (o.tone === 'ok') f.delivered++;
        if (o.tone === 'bad' || o.tone === 'warn') {
          f.failed++;
          failures.set(o.label, (failures.get(o.label) ?? 0) + 1);
        }
      }
      for (const l of logins) {
        const f = byChannel[l.channel];
        if (l.opened_at !== null || l.status === 'consumed') f.opened++;
        if (l.status === 'consumed') {
          f.signedIn++;
          days.get(dayOf(l.created_at))!.signedIn++;
        }
      }
      const total = empty();
      for (const f of Object.values(byChannel)) for (const k of Object.keys(total) as (keyof Funnel)[]) total[k] += f[k];
      const top = (m: Map<string, number>) => [...m].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count).slice(0, 5);
      return { days: [...days].map(([day, v]) => ({ day, ...v })), byChannel, total, refused: top(refused), failures: top(failures) };
    },
  };
}
export type HealthService = ReturnType<typeof createHealth>;
