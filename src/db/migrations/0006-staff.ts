// Issue 9: the shop's own people (staff accounts, their sessions and second factor), the shop's
// sign-in settings, and login requests for staff as well as clients.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tenants').addColumn('login_channels', 'text', (c) => c.notNull().defaultTo('both')).execute();
  await db.schema.alterTable('tenants').addColumn('staff_mfa_required', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('staff')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('external_id', 'text')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('totp_secret_enc', 'text')
    .addColumn('totp_enabled_at', 'bigint')
    .addColumn('recovery_codes', 'text')
    .addColumn('totp_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('totp_locked_until', 'bigint')
    .addColumn('last_sign_in_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('staff_tenant_email').on('staff').columns(['tenant_id', 'email']).unique().execute();
  await db.schema.createIndex('staff_tenant_external').on('staff').columns(['tenant_id', 'external_id']).unique().execute();
  // Staff sign in by email across shops, like clients: the one cross-shop read of this table.
  await db.schema.createIndex('staff_email').on('staff').column('email').execute();

  await db.schema
    .createTable('staff_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('mfa_pending', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('renewed_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('staff_sessions_staff').on('staff_sessions').columns(['tenant_id', 'staff_id']).execute();

  await db.schema.alterTable('login_requests').addColumn('audience', 'text', (c) => c.notNull().defaultTo('client')).execute();
  // First time anything opened the link (a person, a preview or a mail scanner): sign-in health.
  await db.schema.alterTable('login_requests').addColumn('opened_at', 'bigint').execute();
  await db.schema
    .createTable('login_request_staff')
    .addColumn('login_request_id', 'text', (c) => c.notNull().references('login_requests.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id'))
    .addPrimaryKeyConstraint('login_request_staff_pk', ['login_request_id', 'staff_id'])
    .execute();

  // Automated emails name their client, so the console shows every message a client received.
  await db.schema.alterTable('outbox_messages').addColumn('client_id', 'text').execute();
  await db.schema.createIndex('outbox_tenant_client').on('outbox_messages').columns(['tenant_id', 'client_id', 'created_at']).execute();
  // The console's client list and sign-in health read by shop and time.
  await db.schema.createIndex('login_requests_created').on('login_requests').column('created_at').execute();
  await db.schema.createIndex('outbox_tenant_created').on('outbox_messages').columns(['tenant_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['login_request_staff', 'staff_sessions', 'staff']) await db.schema.dropTable(t).ifExists().execute();
  await db.schema.alterTable('login_requests').dropColumn('audience').execute();
  await db.schema.alterTable('login_requests').dropColumn('opened_at').execute();
  await db.schema.dropIndex('outbox_tenant_client').ifExists().execute();
  await db.schema.alterTable('outbox_messages').dropColumn('client_id').execute();
  await db.schema.alterTable('tenants').dropColumn('staff_mfa_required').execute();
  await db.schema.alterTable('tenants').dropColumn('login_channels').execute();
}
