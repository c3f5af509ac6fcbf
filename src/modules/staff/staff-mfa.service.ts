// The staff's second factor: the shared TOTP factor (mfa/totp-factor.ts), kept on the `staff`
// row, audited in the shop's log, and opening the console session when given.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Sealer } from '../../lib/crypto.ts';
import type { RequestContext } from '../../lib/request-context.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { createTotpFactor, type FactorHolder } from '../mfa/totp-factor.ts';
import type { ConsoleSession, StaffSessions } from './staff-sessions.service.ts';

export { mfaErrors } from '../mfa/totp-factor.ts';

export function createStaffMfa(deps: { db: Kysely<DB>; clock: Clock; sealer: Sealer; staffSessions: StaffSessions }) {
  const factor = createTotpFactor({ db: deps.db, clock: deps.clock, sealer: deps.sealer, issuer: 'Servicio shop console' });
  const holder = (s: ConsoleSession): FactorHolder => ({
    label: `${s.email} (${s.tenant.name})`,
    row: { table: 'staff', tenantId: s.tenantId, id: s.staffId },
    audit: (trx: Kysely<DB>, event, data, ctx: RequestContext) =>
      auditRepo(trx).record({ tenantId: s.tenantId, actor: 'owner', action: `staff.second_factor_${event}`, subjectId: s.staffId, data: { by: s.name, ...data }, ip: ctx.ip, at: deps.clock.now() }),
    given: () => deps.staffSessions.secondFactorGiven(s),
  });
  return {
    startEnrolment: (s: ConsoleSession) => factor.startEnrolment(holder(s)),
    finishEnrolment: (s: ConsoleSession, code: string, ctx: RequestContext) => factor.finishEnrolment(holder(s), code, ctx),
    verify: (s: ConsoleSession, code: string, ctx: RequestContext) => factor.verify(holder(s), code, ctx),
  };
}
export type StaffMfa = ReturnType<typeof createStaffMfa>;
