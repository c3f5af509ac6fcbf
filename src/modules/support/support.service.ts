// Servicio support agents: added, listed and disabled by the operator (CLI). Their events go to the
// operator audit (audit rows without a shop). Disabling ends the agent's sessions at once.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { maskEmail } from '../../lib/mask.ts';
import { parse } from '../../lib/validate.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { normaliseEmail } from '../clients/contact.ts';
import { supportErrors } from './support.errors.ts';
import { agentInput, type AgentInput } from './support.input.ts';
import { supportRepo, type SupportAgent } from './support.repo.ts';
import { supportSessionsRepo } from './support-sessions.repo.ts';
import { recoveryRepo } from './recovery.repo.ts';

export function createSupportService(deps: { db: Kysely<DB>; clock: Clock; onAuthChange?: () => void }) {
  const { db, clock } = deps;

  async function resolve(ref: string): Promise<SupportAgent> {
    const repo = supportRepo(db);
    const found = (await repo.byId(ref)) ?? (ref.includes('@') ? await repo.byEmail(normaliseEmail(ref)) : undefined);
    if (!found) throw supportErrors.AGENT_NOT_FOUND();
    return found;
  }

  return {
    async add(input: AgentInput): Promise<SupportAgent> {
      const v = parse(agentInput, input);
      const email = normaliseEmail(v.email);
      return db.transaction().execute(async (trx) => {
        const taken = await supportRepo(trx).byEmail(email);
        if (taken) throw supportErrors.AGENT_EMAIL_TAKEN(taken.name);
        const now = clock.now();
        const agent: SupportAgent = { id: newId(), email, name: v.name, status: 'active', totp_secret_enc: null, totp_enabled_at: null, recovery_codes: null, totp_failures: 0, totp_locked_until: null, totp_last_step: null, last_sign_in_at: null, created_at: now, updated_at: now };
        await supportRepo(trx).insert(agent);
        await auditRepo(trx).record({ actor: 'operator', action: 'support.agent_added', subjectId: agent.id, data: { name: agent.name, email: maskEmail(email) }, at: now });
        return agent;
      });
    },

    list: () => supportRepo(db).list(),
    get: (id: string) => supportRepo(db).byId(id),
    resolve,

    /**
     * Disabled: no sign-in, every open session ends now, the agent's unused recovery links stop
     * working and the client sessions opened with the others end (a compromised agent's work is undone).
     */
    async disable(ref: string): Promise<{ agent: SupportAgent; sessionsEnded: number; linksWithdrawn: number; clientSessionsEnded: number }> {
      const agent = await resolve(ref);
      const r = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        await supportRepo(trx).update(agent.id, { status: 'disabled', updated_at: now });
        const sessionsEnded = await supportSessionsRepo(trx).revokeAllFor(agent.id, now);
        const withdrawn = await recoveryRepo(trx).withdrawAllOf(agent.id, now);
        await auditRepo(trx).record({ actor: 'operator', action: 'support.agent_disabled', subjectId: agent.id, data: { name: agent.name, count: sessionsEnded, linksWithdrawn: withdrawn.links, clientSessionsEnded: withdrawn.sessions }, at: now });
        return { agent: { ...agent, status: 'disabled' as const }, sessionsEnded, linksWithdrawn: withdrawn.links, clientSessionsEnded: withdrawn.sessions };
      });
      deps.onAuthChange?.();
      return r;
    },

    /** A lost authenticator with no recovery code left: set up again at the next sign-in. */
    async resetSecondFactor(ref: string): Promise<SupportAgent> {
      const agent = await resolve(ref);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        await supportRepo(trx).update(agent.id, { totp_secret_enc: null, totp_enabled_at: null, recovery_codes: null, totp_failures: 0, totp_locked_until: null, totp_last_step: null, updated_at: now });
        await supportSessionsRepo(trx).revokeAllFor(agent.id, now);
        await auditRepo(trx).record({ actor: 'operator', action: 'support.second_factor_reset', subjectId: agent.id, data: { name: agent.name }, at: now });
      });
      return agent;
    },
  };
}
export type SupportService = ReturnType<typeof createSupportService>;
