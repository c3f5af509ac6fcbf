// Per-shop API keys for the integration API: `spk_<id>_<secret>`, shown once, stored as a hash.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { apiKeyErrors } from './apikeys.errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, safeEqual, sha256 } from '../../lib/crypto.ts';
import { newId } from '../../lib/ids.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { apiKeysRepo } from './apikeys.repo.ts';

const KEY_SHAPE = /^spk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export function createApiKeys(deps: { db: Kysely<DB>; clock: Clock }) {
  const { db, clock } = deps;
  return {
    async create(tenantId: string, name: string, by?: { name: string; staffId: string }): Promise<{ id: string; key: string }> {
      const label = name.trim();
      if (!label || label.length > 80) throw apiKeyErrors.KEY_NAME_INVALID();
      const id = newId();
      const secret = randomToken(32);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        await apiKeysRepo(trx).insert({ id, tenant_id: tenantId, name: label, secret_hash: sha256(secret), created_at: now, revoked_at: null, last_used_at: null });
        await auditRepo(trx).record({ tenantId, actor: by ? 'owner' : 'operator', action: 'api_key.created', subjectId: id, data: { name: label, ...(by ? { by: by.name, byStaff: by.staffId } : {}) }, at: now });
      });
      return { id, key: `spk_${id.replace(/-/g, '')}_${secret}` };
    },

    async revoke(tenantId: string, id: string, by?: { name: string; staffId: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        if (!(await apiKeysRepo(trx).revoke(tenantId, id, now))) throw apiKeyErrors.API_KEY_NOT_FOUND(id);
        await auditRepo(trx).record({ tenantId, actor: by ? 'owner' : 'operator', action: 'api_key.revoked', subjectId: id, data: by ? { by: by.name, byStaff: by.staffId } : {}, at: now });
      });
    },

    list(tenantId: string) {
      return apiKeysRepo(db).list(tenantId);
    },

    /** The shop an `Authorization: Bearer spk_…` header belongs to, or null. One primary-key lookup. */
    async authenticate(header: string | undefined): Promise<{ tenantId: string; keyId: string } | null> {
      const m = header?.startsWith('Bearer ') ? KEY_SHAPE.exec(header.slice(7).trim()) : null;
      if (!m) return null;
      const id = m[1]!.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      const row = await apiKeysRepo(db).forAuth(id);
      if (!row || row.revoked_at !== null || row.status !== 'active' || !safeEqual(row.secret_hash, sha256(m[2]!))) return null;
      // "Last used", for the owner's key list: written at most once a minute per key.
      const now = clock.now();
      if (row.last_used_at === null || now - row.last_used_at > 60_000) await apiKeysRepo(db).touch(id, now);
      return { tenantId: row.tenant_id, keyId: id };
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
