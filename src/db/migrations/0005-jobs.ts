// Issue 8: internal jobs (the login dispatch) get a table of their own instead of riding in the
// outbox as pseudo-messages. A job is completed in the same transaction as its effects.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('login_request_id', 'text', (c) => c.references('login_requests.id').onDelete('set null'))
    .addColumn('payload_enc', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('not_after', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('jobs_login_request').on('jobs').column('login_request_id').execute();

  // Dispatches still waiting move over; the outbox keeps only real messages.
  await sql`INSERT INTO jobs (id, kind, login_request_id, payload_enc, status, attempts, run_after, locked_until, not_after, last_error, created_at, finished_at)
    SELECT id, template, login_request_id, payload_enc, 'queued', attempts, next_attempt_at, NULL, send_before, last_error, created_at, NULL
    FROM outbox_messages WHERE template = 'login-dispatch' AND status IN ('queued', 'sending')`.execute(db);
  await sql`DELETE FROM outbox_messages WHERE template = 'login-dispatch'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('jobs').ifExists().execute();
}
