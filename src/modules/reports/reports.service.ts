// Service reports: written by the shop's main system (idempotent on its own ids), read by clients.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { retryOnUniqueViolation } from '../../db/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { clientErrors } from '../clients/clients.errors.ts';
import { clientsRepo } from '../clients/clients.repo.ts';
import type { ReportInput } from './report.input.ts';
import { reportsRepo, type ReportRow } from './reports.repo.ts';

export function createReportsService(deps: { db: Kysely<DB>; clock: Clock }) {
  const { db, clock } = deps;
  return {
    async upsert(tenantId: string, externalId: string, v: ReportInput): Promise<{ report: ReportRow; created: boolean }> {
      return retryOnUniqueViolation(() =>
        db.transaction().execute(async (trx) => {
          const client = await clientsRepo(trx).byExternalId(tenantId, v.clientExternalId);
          if (!client) throw clientErrors.CLIENT_REF_UNKNOWN(v.clientExternalId);
          const repo = reportsRepo(trx);
          const existing = await repo.byExternalId(tenantId, externalId);
          const now = clock.now();
          const fields = {
            client_id: client.id,
            service_date: v.serviceDate,
            technician: v.technician,
            title: v.title,
            notes: v.notes,
            checklist: JSON.stringify(v.checklist),
            photos: JSON.stringify(v.photos),
            updated_at: now,
          };
          if (existing) {
            await repo.update(tenantId, existing.id, fields);
            await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'report.updated', subjectId: existing.id, data: { externalId }, at: now });
            return { report: { ...existing, ...fields }, created: false };
          }
          const report = { id: newId(), tenant_id: tenantId, external_id: externalId, created_at: now, ...fields };
          await repo.insert(report);
          await auditRepo(trx).record({ tenantId, clientId: client.id, actor: 'system', action: 'report.created', subjectId: report.id, data: { externalId }, at: now });
          return { report, created: true };
        }),
      );
    },
    listForClient: (tenantId: string, clientId: string) => reportsRepo(db).listForClient(tenantId, clientId),
    forClient: (tenantId: string, clientId: string, id: string) => reportsRepo(db).forClient(tenantId, clientId, id),
  };
}
export type ReportsService = ReturnType<typeof createReportsService>;
