import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, DB } from '../../db/schema.ts';

export type ApiKeyRow = Selectable<ApiKeysTable>;

export function apiKeysRepo(db: Kysely<DB>) {
  return {
    async insert(row: ApiKeyRow): Promise<void> {
      await db.insertInto('api_keys').values(row).execute();
    },
    async revoke(tenantId: string, id: string, now: number): Promise<boolean> {
      const r = await db.updateTable('api_keys').set({ revoked_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },
    async touch(id: string, now: number): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
    },
    list(tenantId: string) {
      return db.selectFrom('api_keys').select(['id', 'name', 'created_at', 'revoked_at', 'last_used_at']).where('tenant_id', '=', tenantId).orderBy('created_at').execute();
    },
    /** One primary-key lookup with the shop's status, for every API call. */
    forAuth(id: string) {
      return db
        .selectFrom('api_keys')
        .innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id')
        .select(['api_keys.tenant_id', 'api_keys.secret_hash', 'api_keys.revoked_at', 'api_keys.last_used_at', 'tenants.status'])
        .where('api_keys.id', '=', id)
        .executeTakeFirst();
    },
  };
}
