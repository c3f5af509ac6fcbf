import type { Kysely, Selectable } from 'kysely';
import type { DB, ServiceReportsTable } from '../../db/schema.ts';

export type ReportRow = Selectable<ServiceReportsTable>;

export function reportsRepo(db: Kysely<DB>) {
  return {
    async insert(row: ReportRow): Promise<void> {
      await db.insertInto('service_reports').values(row).execute();
    },
    async update(tenantId: string, id: string, patch: Partial<Omit<ReportRow, 'id' | 'tenant_id' | 'created_at'>>): Promise<void> {
      await db.updateTable('service_reports').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    },
    byExternalId(tenantId: string, externalId: string) {
      return db.selectFrom('service_reports').selectAll().where('tenant_id', '=', tenantId).where('external_id', '=', externalId).executeTakeFirst();
    },
    forClient(tenantId: string, clientId: string, id: string) {
      return db.selectFrom('service_reports').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
    },
    listForClient(tenantId: string, clientId: string) {
      return db.selectFrom('service_reports').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).orderBy('service_date', 'desc').execute();
    },
  };
}
