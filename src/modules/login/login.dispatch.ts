// The worker's half of a login request: find the email or phone in every shop, apply the limits
// and the SMS policy, and queue the message. The web request never does this, so its answer and
// its timing are the same whether or not anything matched.
import { auditRepo } from '../audit/audit.repo.ts';
import { smsRefusal } from '../abuse/sms-policy.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { Identifier } from '../clients/contact.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';
import { loginRepo } from './login.repo.ts';
import type { LoginDeps } from './login.service.ts';

export function createLoginDispatcher(d: LoginDeps) {
  /**
   * What a login request may do. The identifier limit is counted for every request, known or not;
   * a refused request still gets the same answer as any other.
   */
  async function decide(id: Identifier, tenantIds: string[]): Promise<{ kind: 'send' | 'notice' | 'unknown' } | { kind: 'refused'; reason: string }> {
    const limit = await d.limits.loginForIdentifier(id.value);
    if (tenantIds.length === 0) {
      const notice = id.kind === 'email' && d.unknownEmailNotice && limit.ok && (await d.limits.unknownEmailNotice(id.value)).ok;
      return { kind: notice ? 'notice' : 'unknown' };
    }
    if (!limit.ok) return { kind: 'refused', reason: 'rate_limited' };
    if (id.kind === 'phone') {
      const refusal = smsRefusal(id.value, d.smsAllowedCountries);
      if (refusal) return { kind: 'refused', reason: refusal };
      if (!(await d.limits.smsBudget(tenantIds)).ok) return { kind: 'refused', reason: 'sms_budget' };
    }
    return { kind: 'send' };
  }

  /**
   * The worker's half of a login request: find the client in every shop, apply the limits and
   * SMS policy, and queue the message — all in one transaction. Only a request that is allowed to
   * send gets its shops attached, so a refused or unknown request can never be redeemed.
   */
  async function dispatch(job: { requestId: string; token: string; code: string }): Promise<void> {
    const request = await loginRepo(d.db).byId(job.requestId);
    if (!request || request.status !== 'pending' || request.matched > 0) return;
    const id = { kind: request.identifier_kind, value: request.identifier } as Identifier;
    const matches = await clientsRepo(d.db).findForLogin(id);
    const plan = await decide(id, [...new Set(matches.map((m) => m.tenant_id))]);
    const channel = id.kind === 'phone' ? 'sms' : 'email';
    const now = d.clock.now();
    const perShop = (action: string, data: Record<string, unknown>) => {
      const base = { actor: 'system' as const, action, subjectId: request.id, ip: request.ip, at: now, data: { to: maskIdentifier(id.kind, id.value), ...data } };
      return matches.length ? matches.map((m) => ({ ...base, tenantId: m.tenant_id, clientId: m.client_id })) : [base];
    };
    await d.db.transaction().execute(async (trx) => {
      if (plan.kind === 'send') {
        await loginRepo(trx).attachMatches(request.id, matches);
        const tenants = await tenantsRepo(trx).byIds([...new Set(matches.map((m) => m.tenant_id))]);
        const messageId = await d.outbox.enqueue(trx, {
          channel,
          to: id.value,
          template: 'login-link',
          tenantId: tenants.length === 1 ? tenants[0]!.id : null,
          loginRequestId: request.id,
          sendBefore: request.expires_at,
          now,
          data: {
            shopNames: tenants.map((t) => t.name).sort(),
            brandColor: tenants.length === 1 ? tenants[0]!.brand_color : '#2563eb',
            link: `${d.publicUrl}/l/${job.token}`,
            code: job.code,
            minutes: Math.round(d.linkTtlMs / 60_000),
          },
        });
        await auditRepo(trx).record(...perShop('login.link_issued', { channel, shops: tenants.length }), ...perShop('delivery.queued', { channel, message: messageId }));
      } else if (plan.kind === 'refused') {
        await auditRepo(trx).record(...perShop('login.link_refused', { channel, reason: plan.reason }));
      } else {
        await auditRepo(trx).record(...perShop('login.requested_unknown', { channel }));
        if (plan.kind === 'notice') {
          const messageId = await d.outbox.enqueue(trx, {
            channel: 'email',
            to: id.value,
            template: 'unknown-email',
            tenantId: null,
            loginRequestId: request.id,
            now,
            data: { loginUrl: `${d.publicUrl}/client-login` },
          });
          await auditRepo(trx).record(...perShop('delivery.queued', { channel, message: messageId, template: 'unknown-email' }));
        }
      }
    });
  }

  return { dispatch };
}
