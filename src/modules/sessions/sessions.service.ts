// Sessions, Lucia-style: the cookie holds `<id>.<secret>`, the table holds only SHA-256(secret).
import type { Kysely } from 'kysely';
import type { DB, SessionsTable } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { DAY } from '../../lib/clock.ts';
import { randomToken, safeEqual, sha256 } from '../../lib/crypto.ts';
import { newId } from '../../lib/ids.ts';
import { addAudit, auditRepo, type AuditInput } from '../audit/audit.repo.ts';
import { Writes } from '../../db/writes.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';
import { keptUserAgent, type RequestContext } from '../../lib/request-context.ts';
import { logoPath } from '../tenants/logo.ts';
import { createSessionCache } from './session-cache.ts';
import { createSessionLookup, sessionsRepo, type SessionForValidation } from './sessions.repo.ts';

export type { RequestContext };

export type SessionScope = { kind: 'invoice' | 'report'; id: string };

/** How a homeowner reaches the shop, when the shop said (shown on invoices, receipts and the portal). */
export interface ShopContact {
  phone: string | null;
  email: string | null;
  address: string | null;
}

export interface PortalSession {
  id: string;
  tenantId: string;
  clientId: string;
  kind: SessionsTable['kind'];
  /**
   * Set for a `link` session: the one object it may see. Someone (or something: a mail scanner)
   * held the email; that proves less than a fresh sign-in, so nothing else is shown.
   */
  scope: SessionScope | null;
  tenant: { name: string; slug: string; brandColor: string; logoUrl: string | null; contact: ShopContact };
  clientName: string;
}

export interface IssuedSession {
  token: string;
  maxAgeSeconds: number;
}

const TOKEN_SHAPE = /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/;
/** A session from an email link lasts a day at most and is never renewed. */
export const LINK_SESSION_MS = DAY;
/** A session from a support recovery link: a day at most, never renewed (it cannot be extended). */
export const RECOVERY_SESSION_MS = DAY;
/** Sessions that end a fixed time after they began, whatever their use. */
const fixedLength = (kind: SessionsTable['kind']) => kind === 'link' || kind === 'recovery';
const cappedLifetime = (kind: SessionsTable['kind'], shopLifetime: number) => (kind === 'link' ? Math.min(LINK_SESSION_MS, shopLifetime) : kind === 'recovery' ? Math.min(RECOVERY_SESSION_MS, shopLifetime) : shopLifetime);

/**
 * What a route sees of a session, built once per row read (a cached row answers many requests with
 * the same frozen object).
 */
const built = new WeakMap<SessionForValidation, PortalSession>();
function sessionOf(row: SessionForValidation): PortalSession {
  let session = built.get(row);
  if (session) return session;
  const contact = Object.freeze({ phone: row.contact_phone, email: row.contact_email, address: row.address });
  session = Object.freeze({
    id: row.id,
    tenantId: row.tenant_id,
    clientId: row.client_id,
    kind: row.kind,
    // A link session from before scopes existed names no object, and so sees none.
    scope: row.kind === 'link' ? Object.freeze({ kind: row.scope_kind ?? 'invoice', id: row.scope_id ?? '' }) : null,
    tenant: Object.freeze({ name: row.tenant_name, slug: row.tenant_slug, brandColor: row.brand_color, logoUrl: logoPath(row.tenant_id, row.logo_hash), contact }),
    clientName: row.client_name,
  });
  built.set(row, session);
  return session;
}

/** The session.created event (its data: kind, days, scope, browser — never the secret). */
function createdEvent(input: { tenantId?: string; clientId?: string; kind: SessionsTable['kind']; scope?: SessionScope }, id: string, days: number, ctx: RequestContext, at: number): AuditInput {
  return {
    tenantId: input.tenantId ?? null,
    clientId: input.clientId ?? null,
    actor: 'client',
    action: 'session.created',
    subjectId: id,
    data: { kind: input.kind, days, ...(input.scope ? { scope: input.scope } : {}), userAgent: keptUserAgent(ctx) },
    ip: ctx.ip,
    at,
  };
}
export type StatementSession = ReturnType<ReturnType<typeof createSessionsService>['forStatement']>;

export function createSessionsService(deps: { db: Kysely<DB>; clock: Clock; cacheMs?: number; idleMs?: number; onCheck?: (valid: boolean) => void }) {
  const { db, clock } = deps;
  /** Idle limit: SESSION_IDLE_DAYS when set, never longer than the shop's session length. */
  const idleFor = (lifetime: number) => Math.min(deps.idleMs ?? lifetime, lifetime);
  const lookup = createSessionLookup(db);
  const cache = createSessionCache({ ttlMs: deps.cacheMs ?? 0 });
  /** The check itself (see validate). */
  async function check(token: string | undefined): Promise<{ session: PortalSession; renewedMaxAge?: number } | null> {
    if (!token || !TOKEN_SHAPE.test(token)) return null;
    const dot = token.indexOf('.');
    const id = token.slice(0, dot);
    let row = cache.get(id);
    if (!row) {
      const generation = cache.generation;
      row = await lookup(id);
      if (row) cache.set(id, row, generation);
    }
    if (!row || !safeEqual(row.secret_hash, sha256(token.slice(dot + 1)))) return null;
    if (row.revoked_at !== null || row.tenant_status !== 'active' || row.client_status !== 'active') return null;
    const now = clock.now();
    const lifetime = row.session_days * DAY;
    // Link and recovery sessions: a day from their start whatever was stored (older link rows were issued for 30).
    const absoluteEnd = Math.min(row.expires_at, row.created_at + cappedLifetime(row.kind, lifetime));
    const idle = idleFor(lifetime);
    const idleEnd = fixedLength(row.kind) ? absoluteEnd : row.renewed_at + idle;
    if (now >= Math.min(absoluteEnd, idleEnd)) return null;
    const session = sessionOf(row);
    // Renew only when it would let the session live longer and half the idle window is gone.
    if (fixedLength(row.kind) || idleEnd >= absoluteEnd || idleEnd - now >= idle / 2) return { session };
    await sessionsRepo(db).renew(row.tenant_id, row.id, now);
    cache.delete(row.id);
    return { session, renewedMaxAge: Math.floor((Math.min(absoluteEnd, now + idle) - now) / 1000) };
  }

  /**
   * A fresh session added to the caller's writes (flushed in its transaction), for a caller that
   * has already read the shop's session length.
   */
  function add(
    w: Writes,
    input: { tenantId: string; clientId: string; kind: SessionsTable['kind']; scope?: SessionScope; recoveryLinkId?: string },
    sessionDays: number,
    ctx: RequestContext,
  ): IssuedSession {
    const now = clock.now();
    const id = newId();
    const secret = randomToken(32);
    const shopLifetime = sessionDays * DAY;
    const lifetime = cappedLifetime(input.kind, shopLifetime);
    w.insert('sessions', {
      id,
      tenant_id: input.tenantId,
      client_id: input.clientId,
      secret_hash: sha256(secret),
      kind: input.kind,
      scope_kind: input.scope?.kind ?? null,
      scope_id: input.scope?.id ?? null,
      recovery_link_id: input.recoveryLinkId ?? null,
      created_at: now,
      renewed_at: now,
      expires_at: now + lifetime,
      revoked_at: null,
      ip: ctx.ip,
      user_agent: keptUserAgent(ctx),
    });
    addAudit(w, createdEvent(input, id, sessionDays, ctx, now));
    return { token: `${id}.${secret}`, maxAgeSeconds: cookieAge(input.kind, lifetime) };
  }

  /** How long the cookie of a session of this kind and lifetime lives, in seconds. */
  const cookieAge = (kind: SessionsTable['kind'], lifetime: number) => Math.floor((fixedLength(kind) ? lifetime : idleFor(lifetime)) / 1000);

  /**
   * A client's login session for a statement that writes it itself, with the shop's session length
   * it reads (redeeming on PostgreSQL, login.repo consumeAndOpen): the row's own values, the text
   * of its session.created event before and after the number of days, and the cookie's age for a
   * number of days. The same row and event `add` writes.
   */
  function forStatement(ctx: RequestContext) {
    const id = newId();
    const secret = randomToken(32);
    const text = JSON.stringify(createdEvent({ kind: 'login' }, id, 0, ctx, 0).data);
    // "days" is the second key, after "kind":"login": its value is the first `"days":0`.
    const daysAt = text.indexOf('"days":0') + '"days":'.length;
    return {
      id,
      secretHash: sha256(secret),
      userAgent: keptUserAgent(ctx),
      createdDataAround: [text.slice(0, daysAt), text.slice(daysAt + 1)] as const,
      token: `${id}.${secret}`,
      maxAgeSeconds: (sessionDays: number) => cookieAge('login', cappedLifetime('login', sessionDays * DAY)),
      /** The event as written, for audit listeners (audit.repo announce). */
      createdEvent: (tenantId: string, clientId: string, sessionDays: number, at: number) => createdEvent({ tenantId, clientId, kind: 'login' }, id, sessionDays, ctx, at),
    };
  }

  return {
    /** Call after a change that can end sessions: a client's or shop's status or settings. */
    forgetCached(): void {
      cache.clear();
    },

    /** Creates a fresh session (always a new id) inside the caller's transaction. */
    async create(
      trx: Kysely<DB>,
      input: { tenantId: string; clientId: string; kind: SessionsTable['kind']; scope?: SessionScope; recoveryLinkId?: string },
      ctx: RequestContext,
    ): Promise<IssuedSession> {
      const tenant = await tenantsRepo(trx).byId(input.tenantId);
      if (!tenant) throw new Error(`tenant ${input.tenantId} vanished during sign-in`);
      const w = new Writes();
      const issued = add(w, input, tenant.session_days, ctx);
      await w.flush(trx);
      return issued;
    },

    add,
    forStatement,

    /**
     * Checks a session cookie: one indexed lookup. A session ends at the shop's session length
     * counted from sign-in (the shop's *current* setting, so lowering it shortens existing
     * sessions), or sooner when idle longer than the idle limit. Renewal only moves the idle
     * deadline, when more than half of it has passed; the cookie is re-sent only then.
     * Link sessions end a day after they began and are never renewed.
     */
    async validate(token: string | undefined): Promise<{ session: PortalSession; renewedMaxAge?: number } | null> {
      const found = await check(token);
      deps.onCheck?.(found !== null);
      return found;
    },

    async end(session: { id: string; tenantId: string; clientId: string }, ctx: RequestContext, reason = 'logout'): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        if (!(await sessionsRepo(trx).revoke(session.tenantId, session.id, now))) return;
        await auditRepo(trx).record({
          tenantId: session.tenantId,
          clientId: session.clientId,
          actor: 'client',
          action: 'session.ended',
          subjectId: session.id,
          data: { reason },
          ip: ctx.ip,
          at: now,
        });
      });
      cache.delete(session.id); // after the commit; lookups already in flight will not re-cache (generation)
    },

    /** A client's open sessions in one shop, for the console (device, last use). */
    async activeFor(tenantId: string, clientId: string) {
      const now = clock.now();
      return (await sessionsRepo(db).activeForClient(tenantId, clientId)).filter((s) => s.expires_at > now);
    },

    /** "Sign out everywhere": ends every session of this client in this shop. */
    async endAllForClient(tenantId: string, clientId: string, actor: 'client' | 'owner' | 'support', ctx: RequestContext, auditData: Record<string, unknown> = {}): Promise<number> {
      const n = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const n = await sessionsRepo(trx).revokeAllForClient(tenantId, clientId, now);
        await auditRepo(trx).record({ tenantId, clientId, actor, action: 'session.ended_all', subjectId: clientId, data: { ...auditData, count: n }, ip: ctx.ip, at: now });
        return n;
      });
      cache.clear();
      return n;
    },
  };
}
export type SessionsService = ReturnType<typeof createSessionsService>;
