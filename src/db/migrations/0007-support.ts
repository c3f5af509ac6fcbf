// Issue 10: Servicio support — agents with their sessions and second factor, one-time recovery
// links issued to a shop's client with a recorded reason, and proofs of a new email or phone.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // A TOTP code is accepted once: the last 30-second step used is kept (staff and agents alike).
  await db.schema.alterTable('staff').addColumn('totp_last_step', 'bigint').execute();
  // The recovery link a session was opened with, so disabling its agent can end it.
  await db.schema.alterTable('sessions').addColumn('recovery_link_id', 'text').execute();

  await db.schema
    .createTable('support_agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('totp_secret_enc', 'text')
    .addColumn('totp_enabled_at', 'bigint')
    .addColumn('recovery_codes', 'text')
    .addColumn('totp_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('totp_locked_until', 'bigint')
    .addColumn('totp_last_step', 'bigint')
    .addColumn('last_sign_in_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('support_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('support_agents.id'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('mfa_pending', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('renewed_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('support_sessions_agent').on('support_sessions').column('agent_id').execute();

  await db.schema
    .createTable('login_request_support')
    .addColumn('login_request_id', 'text', (c) => c.notNull().references('login_requests.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull().references('support_agents.id'))
    .addPrimaryKeyConstraint('login_request_support_pk', ['login_request_id', 'agent_id'])
    .execute();

  await db.schema
    .createTable('recovery_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
    .addColumn('agent_id', 'text', (c) => c.notNull().references('support_agents.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('reason_category', 'text', (c) => c.notNull())
    .addColumn('reason_text', 'text', (c) => c.notNull())
    .addColumn('form_nonce', 'text', (c) => c.notNull())
    .addColumn('delivery', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('recovery_links_form').on('recovery_links').columns(['agent_id', 'form_nonce']).unique().execute();
  await db.schema.createIndex('recovery_links_client').on('recovery_links').columns(['tenant_id', 'client_id', 'created_at']).execute();

  await db.schema
    .createTable('contact_proofs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contact_proofs_session').on('contact_proofs').column('session_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['contact_proofs', 'recovery_links', 'login_request_support', 'support_sessions', 'support_agents']) await db.schema.dropTable(t).ifExists().execute();
  await db.schema.alterTable('sessions').dropColumn('recovery_link_id').execute();
  await db.schema.alterTable('staff').dropColumn('totp_last_step').execute();
}
