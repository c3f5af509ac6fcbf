// Sessions of the shop console: stricter than clients' — 12 hours idle, 7 days at most, ended at
// once when the member is disabled or the shop is. Same token design as clients' (`<id>.<secret>`,
// only a SHA-256 of the secret stored), a separate table and cookie. When the member has a second
// factor (or the shop requires one), a fresh session is `mfaPending` until the code is given.
import type { Kysely } from 'kysely';
import type { DB, StaffRole } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { HOUR, DAY } from '../../lib/clock.ts';
import { randomToken, safeEqual, sha256 } from '../../lib/crypto.ts';
import { newId } from '../../lib/ids.ts';
import { keptUserAgent, type RequestContext } from '../../lib/request-context.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { logoPath } from '../tenants/logo.ts';
import { staffRepo } from './staff.repo.ts';
import { staffSessionsRepo } from './staff-sessions.repo.ts';

export const STAFF_IDLE_MS = 12 * HOUR;
export const STAFF_MAX_MS = 7 * DAY;
const TOKEN_SHAPE = /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/;

export interface ConsoleSession {
  id: string;
  tenantId: string;
  staffId: string;
  name: string;
  email: string;
  role: StaffRole;
  /** The second factor is still owed: only the second-factor pages are open. */
  mfaPending: boolean;
  /** Whether the member must enrol a second factor first (the shop requires one, none yet). */
  mfaEnrolled: boolean;
  mfaRequired: boolean;
  tenant: { name: string; slug: string; brandColor: string; logoUrl: string | null };
}

export function createStaffSessions(deps: { db: Kysely<DB>; clock: Clock }) {
  const { db, clock } = deps;
  return {
    async create(trx: Kysely<DB>, input: { tenantId: string; staffId: string }, ctx: RequestContext): Promise<{ token: string; maxAgeSeconds: number }> {
      const member = await staffRepo(trx).byId(input.tenantId, input.staffId);
      const tenant = await trx.selectFrom('tenants').select(['staff_mfa_required']).where('id', '=', input.tenantId).executeTakeFirst();
      const now = clock.now();
      const id = newId();
      const secret = randomToken(32);
      const mfa = !!member?.totp_enabled_at || !!tenant?.staff_mfa_required;
      await staffSessionsRepo(trx).insert({ id, tenant_id: input.tenantId, staff_id: input.staffId, secret_hash: sha256(secret), mfa_pending: mfa ? 1 : 0, created_at: now, renewed_at: now, expires_at: now + STAFF_MAX_MS, revoked_at: null, ip: ctx.ip, user_agent: keptUserAgent(ctx) });
      await staffRepo(trx).update(input.tenantId, input.staffId, { last_sign_in_at: now });
      await auditRepo(trx).record({ tenantId: input.tenantId, actor: 'owner', action: 'staff.signed_in', subjectId: input.staffId, data: { by: member?.name, session: id, secondFactor: mfa ? 'pending' : 'none', userAgent: keptUserAgent(ctx) }, ip: ctx.ip, at: now });
      return { token: `${id}.${secret}`, maxAgeSeconds: Math.floor(STAFF_MAX_MS / 1000) };
    },

    /** One indexed lookup; null when the session is unknown, forged, ended, idle or too old. */
    async validate(token: string | undefined): Promise<{ session: ConsoleSession; touched: boolean } | null> {
      if (!token || !TOKEN_SHAPE.test(token)) return null;
      const dot = token.indexOf('.');
      const row = await staffSessionsRepo(db).forCheck(token.slice(0, dot));
      if (!row || !safeEqual(row.secret_hash, sha256(token.slice(dot + 1)))) return null;
      if (row.revoked_at !== null || row.staff_status !== 'active' || row.tenant_status !== 'active') return null;
      const now = clock.now();
      if (now >= Math.min(row.expires_at, row.created_at + STAFF_MAX_MS) || now >= row.renewed_at + STAFF_IDLE_MS) return null;
      // The idle clock moves on use, written at most every few minutes.
      const touched = now - row.renewed_at > 5 * 60_000;
      if (touched) await staffSessionsRepo(db).touch(row.id, now);
      return {
        touched,
        session: {
          id: row.id,
          tenantId: row.tenant_id,
          staffId: row.staff_id,
          name: row.staff_name,
          email: row.staff_email,
          role: row.role,
          mfaPending: row.mfa_pending === 1,
          mfaEnrolled: row.totp_enabled_at !== null,
          mfaRequired: row.staff_mfa_required === 1,
          tenant: { name: row.tenant_name, slug: row.tenant_slug, brandColor: row.brand_color, logoUrl: logoPath(row.tenant_id, row.logo_hash) },
        },
      };
    },

    /** The second factor was given: the session opens the whole console. */
    async secondFactorGiven(session: Pick<ConsoleSession, 'id'>): Promise<void> {
      await staffSessionsRepo(db).clearMfa(session.id);
    },

    async end(session: Pick<ConsoleSession, 'id' | 'tenantId' | 'staffId' | 'name'>, ctx: RequestContext): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        if (!(await staffSessionsRepo(trx).revoke(session.tenantId, session.id, now))) return;
        await auditRepo(trx).record({ tenantId: session.tenantId, actor: 'owner', action: 'staff.signed_out', subjectId: session.staffId, data: { by: session.name }, ip: ctx.ip, at: now });
      });
    },
  };
}
export type StaffSessions = ReturnType<typeof createStaffSessions>;
