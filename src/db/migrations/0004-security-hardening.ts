// Issue 7: link sessions scoped to one object, the channel and device of each login attempt,
// shop logos served from our own origin, and an audit log that TRUNCATE cannot empty either.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  // A session opened from an email link may see only the invoice or report its link names.
  await db.schema.alterTable('sessions').addColumn('scope_kind', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('scope_id', 'text').execute();

  // Where a login's message goes (its own kind, or the other channel of the same client), the
  // requesting browser's user agent, and the device (if any) that vouched for the identifier.
  await db.schema.alterTable('login_requests').addColumn('channel', 'text').execute();
  await db.schema.alterTable('login_requests').addColumn('user_agent', 'text').execute();
  await db.schema.alterTable('login_requests').addColumn('device_id', 'text').execute();
  await sql`UPDATE login_requests SET channel = CASE identifier_kind WHEN 'phone' THEN 'sms' ELSE 'email' END`.execute(db);

  // Logos are fetched once, checked, and served from here: pages never load another origin.
  await db.schema.alterTable('tenants').addColumn('logo_hash', 'text').execute();
  await db.schema
    .createTable('tenant_logos')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('bytes', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('source_url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  if (pg) {
    await sql`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await sql`DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events`.execute(db);
  await db.schema.dropTable('tenant_logos').ifExists().execute();
  await db.schema.alterTable('tenants').dropColumn('logo_hash').execute();
  for (const col of ['device_id', 'user_agent', 'channel']) await db.schema.alterTable('login_requests').dropColumn(col).execute();
  for (const col of ['scope_id', 'scope_kind']) await db.schema.alterTable('sessions').dropColumn(col).execute();
}
