// Where a second factor is kept: the holder's own row (`staff` or `support_agents`, the same
// columns). Every write that decides something is conditional, so parallel requests cannot both
// win: an attempt is counted before the code is compared, a recovery code is taken at most once,
// and a TOTP step is accepted at most once.
import { sql, type Kysely } from 'kysely';
import type { DB, FactorColumns } from '../../db/schema.ts';

export type FactorRow = { table: 'staff'; tenantId: string; id: string } | { table: 'support_agents'; id: string };

export interface FactorState extends FactorColumns {
  email: string;
}
export type FactorPatch = Partial<Omit<FactorState, 'email'>>;

export function factorRepo(db: Kysely<DB>) {
  // Both tables carry the same factor columns; `staff` rows are also keyed by their shop.
  const update = (row: FactorRow) => {
    const q = db.updateTable(row.table as 'staff').where('id', '=', row.id);
    return row.table === 'staff' ? q.where('tenant_id', '=', row.tenantId) : q;
  };
  return {
    async load(row: FactorRow): Promise<FactorState | undefined> {
      const q = db.selectFrom(row.table as 'staff').select(['email', 'totp_secret_enc', 'totp_enabled_at', 'recovery_codes', 'totp_failures', 'totp_locked_until', 'totp_last_step']).where('id', '=', row.id);
      return (row.table === 'staff' ? q.where('tenant_id', '=', row.tenantId) : q).executeTakeFirst();
    },
    async save(row: FactorRow, patch: FactorPatch): Promise<void> {
      await update(row).set(patch).execute();
    },
    /** Counts one attempt (atomically) and returns how many there have been since the last success. */
    async countAttempt(row: FactorRow): Promise<number> {
      await update(row).set({ totp_failures: sql<number>`totp_failures + 1` }).execute();
      return Number((await this.load(row))?.totp_failures ?? 0);
    },
    /** Replaces the stored recovery codes only if nobody else did meanwhile: true for the one winner. */
    async takeRecoveryCode(row: FactorRow, before: string, after: string): Promise<boolean> {
      const r = await update(row).set({ recovery_codes: after }).where('recovery_codes', '=', before).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    /** Accepts a TOTP step once: false when it (or a later one) was already used. */
    async takeStep(row: FactorRow, step: number): Promise<boolean> {
      const r = await update(row)
        .set({ totp_last_step: step })
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
  };
}
