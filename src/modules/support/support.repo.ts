import type { Kysely, Selectable } from 'kysely';
import type { DB, SupportAgentsTable } from '../../db/schema.ts';

export type SupportAgent = Selectable<SupportAgentsTable>;

/** Servicio's own support agents: one table, no shop. */
export function supportRepo(db: Kysely<DB>) {
  return {
    async insert(a: SupportAgent): Promise<void> {
      await db.insertInto('support_agents').values(a).execute();
    },
    byId(id: string) {
      return db.selectFrom('support_agents').selectAll().where('id', '=', id).executeTakeFirst();
    },
    byEmail(email: string) {
      return db.selectFrom('support_agents').selectAll().where('email', '=', email).executeTakeFirst();
    },
    /** The sign-in lookup: an active agent with this email. */
    activeByEmail(email: string) {
      return db.selectFrom('support_agents').select(['id', 'email', 'name']).where('email', '=', email).where('status', '=', 'active').executeTakeFirst();
    },
    list() {
      return db.selectFrom('support_agents').selectAll().orderBy('name').execute();
    },
    async update(id: string, patch: Partial<Omit<SupportAgent, 'id' | 'created_at'>>): Promise<void> {
      await db.updateTable('support_agents').set(patch).where('id', '=', id).execute();
    },
  };
}
