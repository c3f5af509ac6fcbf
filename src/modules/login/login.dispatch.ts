// The worker's half of a login request: find the email or phone in every shop, pick where the
// message goes, apply the limits and the SMS policy, and queue it. The web request never does
// this, so its answer and its timing are the same whether or not anything matched.
import type { Kysely } from 'kysely';
import type { CountryCode } from 'libphonenumber-js';
import type { DB } from '../../db/schema.ts';
import type { Writes } from '../../db/writes.ts';
import type { Clock } from '../../lib/clock.ts';
import { DEFAULT_BRAND_COLOR } from '../../lib/color.ts';
import { coalesce } from '../../lib/coalesce.ts';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../../lib/i18n.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import { addAudit, perShop } from '../audit/audit.repo.ts';
import type { Limits } from '../abuse/limits.ts';
import { smsRefusal } from '../abuse/sms-policy.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { Identifier } from '../clients/contact.ts';
import type { Outbox } from '../delivery/outbox.service.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';
import { staffRepo } from '../staff/staff.repo.ts';
import { supportRepo } from '../support/support.repo.ts';
import type { JobContext, JobHandler, Prepared } from '../jobs/jobs.ts';
import type { Job } from '../jobs/jobs.repo.ts';
import { addMatches, loginRepo, type LoginRequest } from './login.repo.ts';
import { channelOf, sendMarginMs } from './login.rules.ts';

export interface DispatchDeps {
  db: Kysely<DB>;
  clock: Clock;
  outbox: Pick<Outbox, 'add' | 'notify'>;
  publicUrl: string;
  linkTtlMs: number;
  limits: Pick<Limits, 'loginForIdentifier' | 'loginFromKnownDevice' | 'smsBudget' | 'refundSms' | 'unknownEmailNotice'>;
  smsAllowedCountries: readonly CountryCode[];
  unknownEmailNotice: boolean;
}

/** Someone a login may be for, in one shop: a client (email, phone) or a staff member (email). */
interface Match {
  tenant_id: string;
  principal_id: string;
  email: string | null;
  phone: string | null;
  login_channels: 'email' | 'sms' | 'both';
  /** A client's preferred language, if they said ('en' | 'es'). */
  locale: string | null;
}
type Plan = { kind: 'send' | 'notice' | 'unknown' } | { kind: 'refused'; reason: string };

export function createLoginDispatcher(d: DispatchDeps) {
  // The jobs of a batch are prepared at once: their reads of the same kind make one query.
  const loginById = coalesce(async (ids: string[]) => {
    const rows = new Map((await loginRepo(d.db).byIds([...new Set(ids)])).map((r) => [r.id, r]));
    return ids.map((id) => rows.get(id));
  });
  const clientsFor = coalesce((ids: Identifier[]) => clientsRepo(d.db).findForLoginMany(ids));
  const tenantsByIds = coalesce(async (lists: string[][]) => {
    const all = await tenantsRepo(d.db).byIds([...new Set(lists.flat())]);
    return lists.map((ids) => all.filter((t) => ids.includes(t.id)));
  });

  /**
   * Where the message goes. Its own channel: the identifier itself, to every shop that has it.
   * The other channel ("text me instead"): the matched clients' other contact — the first on file
   * (shops in name order) — and only the shops whose client has that very contact.
   */
  function destination(r: LoginRequest, matches: Match[]): { to: Identifier | null; shops: Match[] } {
    const own = r.channel === channelOf(r.identifier_kind);
    if (own) return { to: { kind: r.identifier_kind, value: r.identifier } as Identifier, shops: matches };
    const kind = r.channel === 'sms' ? 'phone' : 'email';
    const value = matches.map((m) => m[kind]).find((v): v is string => !!v);
    return value ? { to: { kind, value } as Identifier, shops: matches.filter((m) => m[kind] === value) } : { to: null, shops: [] };
  }

  /** Who has the typed email or phone, in every active shop (the deliberate cross-shop read). */
  async function candidates(r: LoginRequest, typed: Identifier): Promise<Match[]> {
    if (r.audience === 'support') {
      if (typed.kind !== 'email') return [];
      const agent = await supportRepo(d.db).activeByEmail(typed.value);
      return agent ? [{ tenant_id: '', principal_id: agent.id, email: agent.email, phone: null, login_channels: 'both' as const, locale: null }] : [];
    }
    if (r.audience === 'staff') {
      if (typed.kind !== 'email') return [];
      return (await staffRepo(d.db).findForLogin(typed.value)).map((m) => ({ tenant_id: m.tenant_id, principal_id: m.principal_id, email: m.email, phone: null, login_channels: 'both' as const, locale: null }));
    }
    return (await clientsFor(typed)).map((m) => ({ tenant_id: m.tenant_id, principal_id: m.client_id, email: m.email, phone: m.phone, login_channels: m.login_channels, locale: m.locale }));
  }

  /**
   * The language of the message: the clients' own preference when they agree (a client of two
   * shops may have said it to only one), else the page the login was asked from, else English.
   */
  function languageOf(r: LoginRequest, shops: Match[]): Locale {
    const preferred = [...new Set(shops.map((m) => m.locale).filter(isLocale))];
    if (preferred.length === 1) return preferred[0]!;
    return isLocale(r.locale) ? r.locale : DEFAULT_LOCALE;
  }

  /**
   * What a login request may do. The identifier limit is counted for every request, known or
   * not; a browser that signed in with this identifier before is counted on its own bucket, so
   * strangers who spent the shared caps cannot lock it out. A refused request still got the same
   * answer as any other.
   */
  async function decide(r: LoginRequest, to: Identifier | null, tenantIds: string[], channelOff: boolean): Promise<Plan> {
    const key = to?.value ?? r.identifier;
    const limit = r.device_id ? await d.limits.loginFromKnownDevice(r.device_id, key) : await d.limits.loginForIdentifier(key);
    if (!to || tenantIds.length === 0) {
      const emailOnly = r.identifier_kind === 'email' && r.channel === 'email';
      const notice = emailOnly && d.unknownEmailNotice && limit.ok && (await d.limits.unknownEmailNotice(r.identifier)).ok;
      return { kind: notice ? 'notice' : 'unknown' };
    }
    if (!limit.ok) return { kind: 'refused', reason: 'rate_limited' };
    if (channelOff) return { kind: 'refused', reason: 'channel_off' };
    if (to.kind === 'phone') {
      const refusal = smsRefusal(to.value, d.smsAllowedCountries);
      if (refusal) return { kind: 'refused', reason: refusal };
      if (!(await d.limits.smsBudget(tenantIds)).ok) return { kind: 'refused', reason: 'sms_budget' };
    }
    return { kind: 'send' };
  }

  /**
   * Prepares a login's dispatch job: every read and the limits first (they may live in Redis; the
   * reads of a batch's jobs coalesce into one query each), then the writes, which the job runner
   * commits with the job's completion (modules/jobs), so a crash can neither lose the result nor
   * run it twice. Only a request that is allowed to send gets its shops attached, so a refused or
   * unknown request can never be redeemed.
   */
  async function prepare(ctx: JobContext<'login-dispatch'>): Promise<Prepared> {
    const job = ctx.data;
    const request = ctx.job.login_request_id ? await loginById(ctx.job.login_request_id) : undefined;
    if (!request || request.status !== 'pending') return {};
    const typed = { kind: request.identifier_kind, value: request.identifier } as Identifier;
    const matches = await candidates(request, typed);
    const found = destination(request, matches);
    const to = found.to;
    // Settings → Security: a shop may allow its clients email only, or texts only.
    const shops = found.shops.filter((m) => m.login_channels === 'both' || m.login_channels === request.channel);
    const tenantIds = [...new Set(shops.map((m) => m.tenant_id))];
    const plan = await decide(request, to, tenantIds.length ? tenantIds : [...new Set(found.shops.map((m) => m.tenant_id))], shops.length === 0 && found.shops.length > 0);
    const channel = request.channel;
    const now = d.clock.now();
    const who = { to: maskIdentifier(typed.kind, typed.value), ...(to && to.value !== typed.value ? { sentTo: maskIdentifier(to.kind, to.value) } : {}) };
    const context = { userAgent: request.user_agent, expiresAt: new Date(request.expires_at).toISOString(), ...(request.audience !== 'client' ? { audience: request.audience } : {}) };
    const forShops = (action: string, data: Record<string, unknown>) => {
      const base = { actor: 'system' as const, action, subjectId: request.id, ip: request.ip, at: now, data: { ...who, ...data } };
      const audience = shops.length ? shops : found.shops.length ? found.shops : matches;
      if (request.audience === 'support') return perShop(base, []); // Servicio's own: no shop's log
      return perShop(base, audience.map((m) => ({ tenant_id: m.tenant_id, client_id: request.audience === 'client' ? m.principal_id : null })));
    };
    const committed = () => d.outbox.notify();

    if (plan.kind === 'send') {
      const tenants = request.audience === 'support' ? [] : await tenantsByIds(tenantIds);
      return {
        write(w) {
          addMatches(w, request, shops);
          const messageId = d.outbox.add(w, {
            channel,
            to: to!.value,
            template: 'login-link',
            tenantId: tenants.length === 1 ? tenants[0]!.id : null,
            loginRequestId: request.id,
            sendBefore: request.expires_at - sendMarginMs(d.linkTtlMs),
            now,
            data: {
              locale: languageOf(request, shops),
              shopNames: request.audience === 'support' ? ['Servicio support'] : tenants.map((t) => t.name).sort(),
              brandColor: tenants.length === 1 ? tenants[0]!.brand_color : DEFAULT_BRAND_COLOR,
              ...(request.audience === 'client' && tenants.length === 1 ? { signInUrl: `${d.publicUrl}/c/${tenants[0]!.slug}` } : {}),
              link: `${d.publicUrl}/l/${job.token}`,
              ...(request.audience !== 'client' ? { console: request.audience === 'staff' ? ('shop' as const) : ('support' as const) } : {}),
              code: job.code,
              minutes: Math.round(d.linkTtlMs / 60_000),
            },
          });
          addAudit(w, ...forShops('login.link_issued', { channel, shops: tenants.length, ...context }), ...forShops('delivery.queued', { channel, message: messageId }));
        },
        committed,
        // A text charged to the SMS budgets but not queued (the transaction failed) is given back.
        abandoned: channel === 'sms' ? () => d.limits.refundSms(tenantIds) : undefined,
      };
    }
    if (plan.kind === 'refused') {
      return { write: (w) => addAudit(w, ...forShops('login.link_refused', { channel, reason: plan.reason, ...context })) };
    }
    return {
      write(w) {
        addAudit(w, ...forShops('login.requested_unknown', { channel, ...(matches.length ? { reason: 'no_contact_for_channel' } : {}) }));
        if (plan.kind !== 'notice') return;
        const messageId = d.outbox.add(w, {
          channel: 'email',
          to: typed.value,
          template: 'unknown-email',
          tenantId: null,
          loginRequestId: request.id,
          now,
          // Written in the language of the page it was asked from, and its button opens that page in it.
          data: { loginUrl: `${d.publicUrl}/client-login${isLocale(request.locale) && request.locale !== DEFAULT_LOCALE ? `?lang=${request.locale}` : ''}`, locale: languageOf(request, []) },
        });
        addAudit(w, ...forShops('delivery.queued', { channel, message: messageId, template: 'unknown-email' }));
      },
      committed,
    };
  }

  /** The worker reached the job too late to send a link worth tapping: dropped, and audited. */
  function expired(job: Job, w: Writes): void {
    if (!job.login_request_id) return;
    addAudit(w, { actor: 'system', action: 'delivery.expired', subjectId: job.login_request_id, data: { reason: 'link_about_to_expire', stage: 'dispatch' }, at: d.clock.now() });
  }

  return { prepare, expired } satisfies JobHandler<'login-dispatch'>;
}
export type LoginDispatcher = ReturnType<typeof createLoginDispatcher>;
