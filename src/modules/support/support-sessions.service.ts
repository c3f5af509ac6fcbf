// Sessions of Servicio support: 8 hours at most, 1 hour idle, ended at once when the agent is
// disabled. Every fresh session owes the second factor (TOTP, always): until it is given only the
// second-factor pages open. Same token design as the others (`<id>.<secret>`, SHA-256 stored).
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { HOUR, MINUTE } from '../../lib/clock.ts';
import { randomToken, safeEqual, sha256 } from '../../lib/crypto.ts';
import { newId } from '../../lib/ids.ts';
import { keptUserAgent, type RequestContext } from '../../lib/request-context.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { supportRepo } from './support.repo.ts';
import { supportSessionsRepo } from './support-sessions.repo.ts';

export const SUPPORT_IDLE_MS = HOUR;
export const SUPPORT_MAX_MS = 8 * HOUR;
const TOKEN_SHAPE = /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/;

export interface SupportSession {
  id: string;
  agentId: string;
  name: string;
  email: string;
  /** The second factor is still owed (always, after the email link). */
  mfaPending: boolean;
  /** Whether the agent has set up the authenticator yet (else: enrolment first). */
  mfaEnrolled: boolean;
}

export function createSupportSessions(deps: { db: Kysely<DB>; clock: Clock }) {
  const { db, clock } = deps;
  return {
    async create(trx: Kysely<DB>, input: { agentId: string }, ctx: RequestContext): Promise<{ token: string; maxAgeSeconds: number }> {
      const agent = await supportRepo(trx).byId(input.agentId);
      const now = clock.now();
      const id = newId();
      const secret = randomToken(32);
      await supportSessionsRepo(trx).insert({ id, agent_id: input.agentId, secret_hash: sha256(secret), mfa_pending: 1, created_at: now, renewed_at: now, expires_at: now + SUPPORT_MAX_MS, revoked_at: null, ip: ctx.ip, user_agent: keptUserAgent(ctx) });
      await supportRepo(trx).update(input.agentId, { last_sign_in_at: now });
      await auditRepo(trx).record({ actor: 'support', action: 'support.signed_in', subjectId: input.agentId, data: { by: agent?.name, agent: input.agentId, session: id, secondFactor: 'pending', userAgent: keptUserAgent(ctx) }, ip: ctx.ip, at: now });
      return { token: `${id}.${secret}`, maxAgeSeconds: Math.floor(SUPPORT_MAX_MS / 1000) };
    },

    /** One indexed lookup; null when the session is unknown, forged, ended, idle, too old, or the agent disabled. */
    async validate(token: string | undefined): Promise<SupportSession | null> {
      if (!token || !TOKEN_SHAPE.test(token)) return null;
      const dot = token.indexOf('.');
      const row = await supportSessionsRepo(db).forCheck(token.slice(0, dot));
      if (!row || !safeEqual(row.secret_hash, sha256(token.slice(dot + 1)))) return null;
      if (row.revoked_at !== null || row.status !== 'active') return null;
      const now = clock.now();
      if (now >= Math.min(row.expires_at, row.created_at + SUPPORT_MAX_MS) || now >= row.renewed_at + SUPPORT_IDLE_MS) return null;
      // The idle clock moves on use, written at most once a minute.
      if (now - row.renewed_at > MINUTE) await supportSessionsRepo(db).touch(row.id, now);
      return { id: row.id, agentId: row.agent_id, name: row.name, email: row.email, mfaPending: row.mfa_pending === 1, mfaEnrolled: row.totp_enabled_at !== null };
    },

    async secondFactorGiven(session: Pick<SupportSession, 'id'>): Promise<void> {
      await supportSessionsRepo(db).clearMfa(session.id);
    },

    async end(session: Pick<SupportSession, 'id' | 'agentId' | 'name'>, ctx: RequestContext): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        if (!(await supportSessionsRepo(trx).revoke(session.id, now))) return;
        await auditRepo(trx).record({ actor: 'support', action: 'support.signed_out', subjectId: session.agentId, data: { by: session.name, agent: session.agentId }, ip: ctx.ip, at: now });
      });
    },
  };
}
export type SupportSessions = ReturnType<typeof createSupportSessions>;
