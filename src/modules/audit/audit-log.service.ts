// The shop's own audit log, as the console shows and exports it: only rows of that shop (so
// operator-only events — unknown identifiers, other shops — never appear), newest first.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { actionInWords, actorInWords, detailsInWords } from './audit-words.ts';
import { auditRepo, type AuditFilter } from './audit.repo.ts';

export interface AuditLine {
  id: number;
  at: number;
  who: string;
  action: string;
  what: string;
  clientId: string | null;
  clientName: string | null;
  details: string;
  ip: string | null;
}

export function createAuditLog(deps: { db: Kysely<DB> }) {
  const toLine = (r: Awaited<ReturnType<ReturnType<typeof auditRepo>['forShop']>>[number]): AuditLine => {
    const data = JSON.parse(r.data) as Record<string, unknown>;
    return { id: Number(r.id), at: Number(r.created_at), who: actorInWords(r.actor, data), action: r.action, what: actionInWords(r.action), clientId: r.client_id, clientName: r.client_name, details: detailsInWords(data), ip: r.ip };
  };
  return {
    async page(tenantId: string, filter: AuditFilter, page: number, perPage = 50) {
      const rows = await auditRepo(deps.db).forShop(tenantId, filter, perPage + 1, (page - 1) * perPage);
      return { lines: rows.slice(0, perPage).map(toLine), hasNext: rows.length > perPage };
    },
    /** Everything the filter matches, up to `max` rows (for the CSV export). */
    async all(tenantId: string, filter: AuditFilter, max = 10_000) {
      return (await auditRepo(deps.db).forShop(tenantId, filter, max, 0)).map(toLine);
    },
    actions: (tenantId: string) => auditRepo(deps.db).actionsOfShop(tenantId),
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
