import type { Kysely, Selectable } from 'kysely';
import type { DB, RecoveryLinksTable } from '../../db/schema.ts';

export type RecoveryLink = Selectable<RecoveryLinksTable>;

export function recoveryRepo(db: Kysely<DB>) {
  return {
    async insert(r: RecoveryLink): Promise<void> {
      await db.insertInto('recovery_links').values(r).execute();
    },
    /** The link by its token's hash, with its shop and client as they are now. */
    byTokenHash(hash: string) {
      return db
        .selectFrom('recovery_links as r')
        .innerJoin('tenants as t', 't.id', 'r.tenant_id')
        .innerJoin('clients as c', (j) => j.onRef('c.id', '=', 'r.client_id').onRef('c.tenant_id', '=', 'r.tenant_id'))
        .innerJoin('support_agents as a', 'a.id', 'r.agent_id')
        .select(['r.id', 'r.tenant_id', 'r.client_id', 'r.agent_id', 'r.expires_at', 'r.consumed_at', 't.name as tenant_name', 't.slug as tenant_slug', 't.brand_color', 't.logo_hash', 't.status as tenant_status', 'c.status as client_status', 'a.name as agent_name', 'a.status as agent_status'])
        .where('r.token_hash', '=', hash)
        .executeTakeFirst();
    },
    byFormNonce(agentId: string, nonce: string) {
      return db.selectFrom('recovery_links').select('id').where('agent_id', '=', agentId).where('form_nonce', '=', nonce).executeTakeFirst();
    },
    /** Single use: true for the one caller that consumed it while it was good and its agent active. */
    async consume(id: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable('recovery_links')
        .set({ consumed_at: now })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .where('agent_id', 'in', (eb) => eb.selectFrom('support_agents').select('id').where('status', '=', 'active'))
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    /** A disabled agent's links: the unused ones expire now, and sessions opened with the others end. */
    async withdrawAllOf(agentId: string, now: number): Promise<{ links: number; sessions: number }> {
      const links = await db.updateTable('recovery_links').set({ expires_at: now }).where('agent_id', '=', agentId).where('consumed_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      const sessions = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('kind', '=', 'recovery')
        .where('revoked_at', 'is', null)
        .where('recovery_link_id', 'in', (eb) => eb.selectFrom('recovery_links').select('id').where('agent_id', '=', agentId))
        .executeTakeFirst();
      return { links: Number(links.numUpdatedRows), sessions: Number(sessions.numUpdatedRows) };
    },
    /** A client's recovery links in one shop, newest first, with who issued them. */
    forClient(tenantId: string, clientId: string, limit = 20) {
      return db
        .selectFrom('recovery_links as r')
        .innerJoin('support_agents as a', 'a.id', 'r.agent_id')
        .select(['r.id', 'r.created_at', 'r.expires_at', 'r.consumed_at', 'r.reason_category', 'r.reason_text', 'r.delivery', 'a.name as agent_name'])
        .where('r.tenant_id', '=', tenantId)
        .where('r.client_id', '=', clientId)
        .orderBy('r.created_at', 'desc')
        .limit(limit)
        .execute();
    },
  };
}
