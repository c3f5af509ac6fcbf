import type { Insertable, Kysely } from 'kysely';
import type { DB, DeliveryEventsTable } from '../../db/schema.ts';

export interface DeliveryEventInput {
  messageId: string;
  kind: string;
  detail?: string | null;
  errorCode?: string | null;
  providerEvent?: string | null;
  at: number;
}

/** The row of one of our own events (queued, sent, failed…): no provider event. */
export function deliveryEventRow(e: Omit<DeliveryEventInput, 'providerEvent'>): Insertable<DeliveryEventsTable> {
  return { message_id: e.messageId, kind: e.kind, detail: e.detail ?? null, error_code: e.errorCode ?? null, provider_event: null, created_at: e.at };
}

export function deliveryEventsRepo(db: Kysely<DB>) {
  return {
    /** Returns false when the provider event was already recorded (a replayed callback). */
    async record(e: DeliveryEventInput): Promise<boolean> {
      const r = await db
        .insertInto('delivery_events')
        .values({
          message_id: e.messageId,
          kind: e.kind,
          detail: e.detail ?? null,
          error_code: e.errorCode ?? null,
          provider_event: e.providerEvent ?? null,
          created_at: e.at,
        })
        .onConflict((oc) => oc.columns(['message_id', 'provider_event']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    /** Our own events (queued, sent, failed…) for many messages at once: one statement. */
    async recordMany(events: Omit<DeliveryEventInput, 'providerEvent'>[]): Promise<void> {
      if (events.length === 0) return;
      await db.insertInto('delivery_events').values(events.map(deliveryEventRow)).execute();
    },

    forMessages(messageIds: string[]) {
      if (messageIds.length === 0) return Promise.resolve([]);
      return db.selectFrom('delivery_events').selectAll().where('message_id', 'in', messageIds).orderBy('id').execute();
    },
  };
}
