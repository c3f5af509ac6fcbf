// Append-only audit log. There is deliberately no update or delete here (and triggers forbid them).
import type { Insertable, Kysely } from 'kysely';
import type { AuditEventsTable, DB } from '../../db/schema.ts';
import type { Writes } from '../../db/writes.ts';

export interface AuditInput {
  tenantId?: string | null;
  clientId?: string | null;
  actor: AuditEventsTable['actor'];
  action: string;
  subjectId?: string | null;
  /** Must never contain a token, code or full link; destinations are masked by the caller. */
  data?: Record<string, unknown>;
  ip?: string | null;
  at: number;
}

/**
 * One event for every shop it concerns — each shop's log shows it, with its client when known —
 * or once without a shop when it concerns none (an unknown email, a forged link).
 */
export function perShop(event: Omit<AuditInput, 'tenantId' | 'clientId'>, shops: ({ tenant_id: string; client_id?: string | null } | string)[]): AuditInput[] {
  if (shops.length === 0) return [event];
  return shops.map((s) => (typeof s === 'string' ? { ...event, tenantId: s } : { ...event, tenantId: s.tenant_id, clientId: s.client_id ?? null }));
}

type AuditListener = (e: AuditInput) => void;
const listeners = new Set<AuditListener>();

/**
 * Everything the audit log records, as it is written (metrics count from here, so what the shop
 * owner reads and what an operator graphs are the same events). One call per event, however many
 * shops it was written for. Returns the unsubscribe function.
 */
export function onAudit(listener: AuditListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface AuditFilter {
  clientId?: string;
  action?: string;
  /** Epoch ms, inclusive / exclusive. */
  from?: number;
  to?: number;
}

export function auditRepo(db: Kysely<DB>) {
  return {
    /** One shop's events, newest first, with the client's name (never another shop's rows). */
    forShop(tenantId: string, f: AuditFilter, limit: number, offset: number) {
      return db
        .selectFrom('audit_events as a')
        .leftJoin('clients as c', (j) => j.onRef('c.id', '=', 'a.client_id').onRef('c.tenant_id', '=', 'a.tenant_id'))
        .select(['a.id', 'a.actor', 'a.action', 'a.client_id', 'a.subject_id', 'a.data', 'a.ip', 'a.created_at', 'c.name as client_name'])
        .where('a.tenant_id', '=', tenantId)
        .$if(!!f.clientId, (q) => q.where('a.client_id', '=', f.clientId!))
        .$if(!!f.action, (q) => q.where('a.action', '=', f.action!))
        .$if(f.from !== undefined, (q) => q.where('a.created_at', '>=', f.from!))
        .$if(f.to !== undefined, (q) => q.where('a.created_at', '<', f.to!))
        .orderBy('a.id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
    },
    /** The operator audit: events of no shop (support agents, operator commands), newest first. */
    operatorEvents(limit: number, actionPrefix?: string) {
      return db
        .selectFrom('audit_events')
        .select(['id', 'actor', 'action', 'subject_id', 'data', 'ip', 'created_at'])
        .where('tenant_id', 'is', null)
        .$if(!!actionPrefix, (q) => q.where('action', 'like', `${actionPrefix}%`))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
    /** The kinds of event this shop has, for the filter. */
    async actionsOfShop(tenantId: string): Promise<string[]> {
      const rows = await db.selectFrom('audit_events').select('action').distinct().where('tenant_id', '=', tenantId).orderBy('action').execute();
      return rows.map((r) => r.action);
    },

    async record(...events: AuditInput[]): Promise<void> {
      if (events.length === 0) return;
      await db.insertInto('audit_events').values(events.map(auditRow)).execute();
      announce(events);
    },
  };
}

/** Adds the events to a batch of writes (db/writes.ts); listeners hear of them once it is written. */
export function addAudit(w: Writes, ...events: AuditInput[]): void {
  if (events.length === 0) return;
  w.insert('audit_events', ...events.map(auditRow));
  w.onFlushed(() => announce(events));
}

function auditRow(e: AuditInput): Insertable<AuditEventsTable> {
  return { tenant_id: e.tenantId ?? null, client_id: e.clientId ?? null, actor: e.actor, action: e.action, subject_id: e.subjectId ?? null, data: JSON.stringify(e.data ?? {}), ip: e.ip ?? null, created_at: e.at };
}

/** Tells the listeners (onAudit) of events written by a statement of the caller's own. */
export function announce(events: AuditInput[]): void {
  if (listeners.size === 0) return;
  const seen = new Set<string>();
  for (const e of events) {
    const key = `${e.action}\u0000${e.subjectId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const l of listeners) l(e);
  }
}
export type AuditRepo = ReturnType<typeof auditRepo>;
