// Issue 11: the homeowner's side — languages, the shop's own contact details on invoices, and the
// one-tap "send me a new link" from an expired link.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The client's preferred language ('en', 'es'), set by the API or on the profile page; null: not said.
  await db.schema.alterTable('clients').addColumn('locale', 'text').execute();
  // The language of the page a login was asked from: its message is written in it (unless the
  // client prefers another), and so is a new link sent from the expired one.
  await db.schema.alterTable('login_requests').addColumn('locale', 'text').execute();
  // When this login's link was used to ask for a new one (once per link).
  await db.schema.alterTable('login_requests').addColumn('resent_at', 'bigint').execute();
  // How a homeowner reaches the shop: shown on invoices, receipts and the portal.
  await db.schema.alterTable('tenants').addColumn('contact_phone', 'text').execute();
  await db.schema.alterTable('tenants').addColumn('contact_email', 'text').execute();
  await db.schema.alterTable('tenants').addColumn('address', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['contact_phone', 'contact_email', 'address']) await db.schema.alterTable('tenants').dropColumn(c).execute();
  await db.schema.alterTable('login_requests').dropColumn('resent_at').execute();
  await db.schema.alterTable('login_requests').dropColumn('locale').execute();
  await db.schema.alterTable('clients').dropColumn('locale').execute();
}
