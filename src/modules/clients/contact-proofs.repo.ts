import { sql, type Kysely, type Selectable } from 'kysely';
import type { ContactProofsTable, DB } from '../../db/schema.ts';

export type ContactProof = Selectable<ContactProofsTable>;

export function contactProofsRepo(db: Kysely<DB>) {
  return {
    async insert(p: ContactProof): Promise<void> {
      await db.insertInto('contact_proofs').values(p).execute();
    },
    /** The code this session is waiting for: the newest, unused, unexpired. */
    pendingFor(sessionId: string, now: number) {
      return db.selectFrom('contact_proofs').selectAll().where('session_id', '=', sessionId).where('consumed_at', 'is', null).where('expires_at', '>', now).orderBy('created_at', 'desc').executeTakeFirst();
    },
    async countSince(sessionId: string, since: number): Promise<number> {
      const r = await db.selectFrom('contact_proofs').select((eb) => eb.fn.countAll<number>().as('n')).where('session_id', '=', sessionId).where('created_at', '>', since).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async closeAllOf(sessionId: string, now: number): Promise<void> {
      await db.updateTable('contact_proofs').set({ consumed_at: now }).where('session_id', '=', sessionId).where('consumed_at', 'is', null).execute();
    },
    /** Counts one try, only while tries are left: false when none was. */
    async countAttempt(id: string, max: number): Promise<boolean> {
      const r = await db.updateTable('contact_proofs').set({ attempts: sql<number>`attempts + 1` }).where('id', '=', id).where('attempts', '<', max).where('consumed_at', 'is', null).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    /** Uses the code up: true for the one caller that did. */
    async consume(id: string, now: number): Promise<boolean> {
      const r = await db.updateTable('contact_proofs').set({ consumed_at: now }).where('id', '=', id).where('consumed_at', 'is', null).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
  };
}
