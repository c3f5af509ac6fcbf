// The support agent's second factor: the shared TOTP factor (mfa/totp-factor.ts), kept on the
// `support_agents` row, audited in the operator audit, and opening the support session when given.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Sealer } from '../../lib/crypto.ts';
import { keptUserAgent } from '../../lib/request-context.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { createTotpFactor, type FactorHolder } from '../mfa/totp-factor.ts';
import type { SupportSession, SupportSessions } from './support-sessions.service.ts';

export function createSupportMfa(deps: { db: Kysely<DB>; clock: Clock; sealer: Sealer; supportSessions: SupportSessions }) {
  const factor = createTotpFactor({ db: deps.db, clock: deps.clock, sealer: deps.sealer, issuer: 'Servicio support' });
  const holder = (s: SupportSession): FactorHolder => ({
    label: s.email,
    row: { table: 'support_agents', id: s.agentId },
    audit: (trx, event, data, ctx) => auditRepo(trx).record({ actor: 'support', action: `support.second_factor_${event}`, subjectId: s.agentId, data: { by: s.name, agent: s.agentId, userAgent: keptUserAgent(ctx), ...data }, ip: ctx.ip, at: deps.clock.now() }),
    given: () => deps.supportSessions.secondFactorGiven(s),
  });
  return {
    startEnrolment: (s: SupportSession) => factor.startEnrolment(holder(s)),
    finishEnrolment: (s: SupportSession, code: string, ctx: Parameters<typeof factor.verify>[2]) => factor.finishEnrolment(holder(s), code, ctx),
    verify: (s: SupportSession, code: string, ctx: Parameters<typeof factor.verify>[2]) => factor.verify(holder(s), code, ctx),
  };
}
export type SupportMfa = ReturnType<typeof createSupportMfa>;
