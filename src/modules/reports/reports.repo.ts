import type { Kysely, Selectable } from 'kysely';
import type { DB, ServiceReportsTable } from '../../db/schema.ts';
import { prepared } from '../../db/prepared.ts';

export type ReportRow = Selectable<ServiceReportsTable>;

// The portal reads these on every visit (its home page, the report list, a report): built and
// compiled once.
const clientList = prepared<{ tenantId: string; clientId: string }, ReportRow>((db: Kysely<DB>, v) =>
  db.selectFrom('service_reports').selectAll().where('tenant_id', '=', v.tenantId).where('client_id', '=', v.clientId).orderBy('service_date', 'desc'),
);
const clientOne = prepared<{ tenantId: string; clientId: string; id: string }, ReportRow>((db: Kysely<DB>, v) =>
  db.selectFrom('service_reports').selectAll().where('tenant_id', '=', v.tenantId).where('client_id', '=', v.clientId).where('id', '=', v.id),
);

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
    async forClient(tenantId: string, clientId: string, id: string): Promise<ReportRow | undefined> {
      return (await clientOne(db, { tenantId, clientId, id }))[0];
    },
    listForClient(tenantId: string, clientId: string): Promise<ReportRow[]> {
      return clientList(db, { tenantId, clientId });
    },
  };
}
