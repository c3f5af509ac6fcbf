// A shop's staff accounts: created by the operator (CLI), by an owner (console) or by the shop's
// system (API), each audited with who did it. Disabling ends the member's sessions at once.
import type { Kysely } from 'kysely';
import type { DB, StaffRole } from '../../db/schema.ts';
import { retryOnUniqueViolation } from '../../db/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { maskEmail } from '../../lib/mask.ts';
import { parse } from '../../lib/validate.ts';
import { auditRepo, type AuditInput } from '../audit/audit.repo.ts';
import { normaliseEmail } from '../clients/contact.ts';
import { staffErrors } from './staff.errors.ts';
import { staffInput, type StaffInput } from './staff.input.ts';
import { staffRepo, type Staff } from './staff.repo.ts';
import { staffSessionsRepo } from './staff-sessions.repo.ts';

/** Who did it, for the audit log: the operator, the shop's system, or a staff member by id. */
export type StaffActor = { actor: 'operator' | 'system' } | { actor: 'owner'; staffId: string; name: string };
const actorFields = (a: StaffActor): Pick<AuditInput, 'actor'> & { data: Record<string, unknown> } =>
  a.actor === 'owner' ? { actor: 'owner', data: { by: a.name, byStaff: a.staffId } } : { actor: a.actor, data: {} };

export function createStaffService(deps: { db: Kysely<DB>; clock: Clock; onAuthChange?: () => void }) {
  const { db, clock } = deps;

  async function write(tenantId: string, input: StaffInput & { externalId?: string }, by: StaffActor): Promise<{ staff: Staff; created: boolean }> {
    const { externalId: _externalId, ...fields } = input;
    const v = parse(staffInput, fields);
    const email = normaliseEmail(v.email);
    return db.transaction().execute(async (trx) => {
      const repo = staffRepo(trx);
      const existing = (input.externalId ? await repo.byExternalId(tenantId, input.externalId) : undefined) ?? (await repo.byEmail(tenantId, email));
      const sameEmail = await repo.byEmail(tenantId, email);
      if (sameEmail && existing && sameEmail.id !== existing.id) throw staffErrors.STAFF_EMAIL_TAKEN(sameEmail.name);
      const now = clock.now();
      const who = actorFields(by);
      if (existing) {
        const status = v.status ?? existing.status;
        if (existing.role === 'owner' && existing.status === 'active' && (v.role !== 'owner' || status !== 'active') && (await repo.countActiveOwners(tenantId)) <= 1) throw staffErrors.LAST_OWNER();
        const next = { ...existing, name: v.name, email, role: v.role as StaffRole, status, external_id: input.externalId ?? existing.external_id, updated_at: now };
        await repo.update(tenantId, existing.id, { name: next.name, email: next.email, role: next.role, status: next.status, external_id: next.external_id, updated_at: now });
        if (status === 'disabled' || email !== existing.email) await staffSessionsRepo(trx).revokeAllFor(tenantId, existing.id, now);
        const changed = (['name', 'email', 'role', 'status'] as const).filter((k) => next[k] !== existing[k]);
        await auditRepo(trx).record({ tenantId, actor: who.actor, action: 'staff.updated', subjectId: existing.id, data: { ...who.data, changed, role: next.role, status: next.status }, at: now });
        return { staff: next, created: false };
      }
      const staff: Staff = {
        id: newId(),
        tenant_id: tenantId,
        external_id: input.externalId ?? null,
        email,
        name: v.name,
        role: v.role as StaffRole,
        status: v.status ?? 'active',
        totp_secret_enc: null,
        totp_enabled_at: null,
        recovery_codes: null,
        totp_failures: 0,
        totp_locked_until: null,
        totp_last_step: null,
        last_sign_in_at: null,
        created_at: now,
        updated_at: now,
      };
      await repo.insert(staff);
      await auditRepo(trx).record({ tenantId, actor: who.actor, action: 'staff.created', subjectId: staff.id, data: { ...who.data, email: maskEmail(email), role: staff.role }, at: now });
      return { staff, created: true };
    });
  }

  return {
    /** Adds a staff member (an email already in the shop is refused). */
    async add(tenantId: string, input: StaffInput, by: StaffActor = { actor: 'operator' }): Promise<Staff> {
      const email = normaliseEmail(parse(staffInput, input).email);
      const taken = await staffRepo(db).byEmail(tenantId, email);
      if (taken) throw staffErrors.STAFF_EMAIL_TAKEN(taken.name);
      return (await write(tenantId, input, by)).staff;
    },

    /** The integration API's PUT: by the shop's own id (an existing member with that email is adopted). */
    upsertByExternalId(tenantId: string, externalId: string, input: StaffInput) {
      return retryOnUniqueViolation(() => write(tenantId, { ...input, externalId }, { actor: 'system' }));
    },

    /** Changes role or status (or name/email), keeping at least one active owner. */
    async update(tenantId: string, staffId: string, patch: Partial<Pick<StaffInput, 'name' | 'role' | 'status'>>, by: StaffActor) {
      const current = await staffRepo(db).byId(tenantId, staffId);
      if (!current) throw staffErrors.STAFF_NOT_FOUND();
      const r = await write(tenantId, { name: patch.name ?? current.name, email: current.email, role: patch.role ?? current.role, status: patch.status ?? current.status, ...(current.external_id ? { externalId: current.external_id } : {}) }, by);
      deps.onAuthChange?.();
      return r.staff;
    },

    /**
     * A lost phone with no recovery code left: the operator clears the member's second factor and
     * ends their sessions; they enrol again at their next sign-in (if the shop requires it).
     */
    async resetSecondFactor(tenantId: string, staffId: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const m = await staffRepo(trx).byId(tenantId, staffId);
        if (!m) throw staffErrors.STAFF_NOT_FOUND();
        await staffRepo(trx).update(tenantId, staffId, { totp_secret_enc: null, totp_enabled_at: null, recovery_codes: null, totp_failures: 0, totp_locked_until: null, totp_last_step: null, updated_at: now });
        await staffSessionsRepo(trx).revokeAllFor(tenantId, staffId, now);
        await auditRepo(trx).record({ tenantId, actor: 'operator', action: 'staff.second_factor_reset', subjectId: staffId, data: { name: m.name }, at: now });
      });
    },

    list: (tenantId: string) => staffRepo(db).list(tenantId),
    get: (tenantId: string, staffId: string) => staffRepo(db).byId(tenantId, staffId),
    async resolve(tenantId: string, ref: string): Promise<Staff> {
      const repo = staffRepo(db);
      const found = (await repo.byId(tenantId, ref)) ?? (ref.includes('@') ? await repo.byEmail(tenantId, normaliseEmail(ref)) : undefined);
      if (!found) throw staffErrors.STAFF_NOT_FOUND();
      return found;
    },
  };
}
export type StaffService = ReturnType<typeof createStaffService>;
