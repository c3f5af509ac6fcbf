// Delivery tracking (each message's life, provider statuses) and the store-backed rate limits.
import type { Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  for (const [col, type] of [
    ['delivery_status', 'text'],
    ['delivery_error_code', 'text'],
    ['delivery_reason', 'text'],
    ['delivery_updated_at', 'bigint'],
  ] as const) {
    await db.schema.alterTable('outbox_messages').addColumn(col, type).execute();
  }
  await db.schema.createIndex('outbox_provider_id').on('outbox_messages').column('provider_id').execute();

  await db.schema
    .createTable('delivery_events')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('message_id', 'text', (c) => c.notNull().references('outbox_messages.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('error_code', 'text')
    .addColumn('provider_event', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delivery_events_message').on('delivery_events').columns(['message_id', 'id']).execute();
  // A provider's callback for the same event is recorded once, however often it is replayed.
  await db.schema.createIndex('delivery_events_provider_event').on('delivery_events').columns(['message_id', 'provider_event']).unique().execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('expire', 'bigint')
    .execute();
  await db.schema.createIndex('rate_limits_expire').on('rate_limits').column('expire').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').ifExists().execute();
  await db.schema.dropTable('delivery_events').ifExists().execute();
  await db.schema.dropIndex('outbox_provider_id').ifExists().execute();
  for (const col of ['delivery_status', 'delivery_error_code', 'delivery_reason', 'delivery_updated_at']) {
    await db.schema.alterTable('outbox_messages').dropColumn(col).execute();
  }
}
