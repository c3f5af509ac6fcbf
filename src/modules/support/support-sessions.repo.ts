import type { Kysely, Selectable } from 'kysely';
import type { DB, SupportSessionsTable } from '../../db/schema.ts';

export type SupportSessionRow = Selectable<SupportSessionsTable>;

export function supportSessionsRepo(db: Kysely<DB>) {
  return {
    async insert(s: SupportSessionRow): Promise<void> {
      await db.insertInto('support_sessions').values(s).execute();
    },
    /** One primary-key lookup with the agent's current state. */
    forCheck(id: string) {
      return db
        .selectFrom('support_sessions as s')
        .innerJoin('support_agents as a', 'a.id', 's.agent_id')
        .select(['s.id', 's.agent_id', 's.secret_hash', 's.mfa_pending', 's.created_at', 's.renewed_at', 's.expires_at', 's.revoked_at', 'a.name', 'a.email', 'a.status', 'a.totp_enabled_at'])
        .where('s.id', '=', id)
        .executeTakeFirst();
    },
    async touch(id: string, now: number): Promise<void> {
      await db.updateTable('support_sessions').set({ renewed_at: now }).where('id', '=', id).execute();
    },
    async clearMfa(id: string): Promise<void> {
      await db.updateTable('support_sessions').set({ mfa_pending: 0 }).where('id', '=', id).execute();
    },
    async revoke(id: string, now: number): Promise<boolean> {
      const r = await db.updateTable('support_sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    async revokeAllFor(agentId: string, now: number): Promise<number> {
      const r = await db.updateTable('support_sessions').set({ revoked_at: now }).where('agent_id', '=', agentId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
