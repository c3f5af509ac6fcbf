import type { Kysely, Selectable } from 'kysely';
import type { DB, DevOutboxTable } from '../../db/schema.ts';

export type DevMessage = Selectable<DevOutboxTable>;

/** Development only: what would have been sent, readable at /dev/outbox. Never used in production. */
export function devOutboxRepo(db: Kysely<DB>) {
  return {
    latest(limit = 50, to?: string) {
      return db
        .selectFrom('dev_outbox')
        .selectAll()
        .$if(to !== undefined, (q) => q.where('to_address', '=', to!))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
    byId(id: number) {
      return db.selectFrom('dev_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    },
  };
}

export type DevOutbox = Pick<ReturnType<typeof devOutboxRepo>, 'latest' | 'byId'>;
