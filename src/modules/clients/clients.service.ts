import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../lib/app-error.ts';
import { clientErrors } from './clients.errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { maskEmail, maskPhone } from '../../lib/mask.ts';
import { parse } from '../../lib/validate.ts';
import type { Locale } from '../../lib/i18n.ts';
import { localeInput } from './clients.input.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { retryOnUniqueViolation } from '../../db/errors.ts';
import { clientsRepo, type Client } from './clients.repo.ts';
import { sessionsRepo } from '../sessions/sessions.repo.ts';
import { normaliseEmail, normalisePhone } from './contact.ts';

/** A client's fields as given: the rules of add, update, the API and the bulk import (import.service.ts). */
export const clientInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(120, 'must be at most 120 characters')
    .regex(/^[^\p{Cc}]*$/u, 'must not contain line breaks or control characters'),
  email: z.string().trim().max(254).optional(),
  phone: z.string().trim().max(32).optional(),
  externalId: z.string().trim().min(1).max(120).optional(),
  /** The client's preferred language; null: not said (pages follow the browser). */
  locale: localeInput.nullable().optional(),
});
export type ClientInput = z.input<typeof clientInput>;
export type ClientPatch = Partial<ClientInput> & { status?: 'active' | 'disabled' };

/**
 * Contact details in their one canonical form (email: trimmed, lower-case, IDN → ASCII; phone:
 * E.164 in the configured region); empty means none. Throws INVALID_EMAIL / INVALID_PHONE.
 */
export function normaliseContact(email: string | undefined | null, phone: string | undefined | null, region: CountryCode): { email: string | null; phone: string | null } {
  return { email: email ? normaliseEmail(email) : null, phone: phone ? normalisePhone(phone, region) : null };
}

type Actor = 'operator' | 'owner' | 'support' | 'system' | 'client';

/** What a search box's text can mean: words of a name or email, a phone in any format, its digits. */
function searchTerms(text: string, region: CountryCode) {
  const q = text.trim().slice(0, 100);
  let phone: string | null = null;
  try {
    phone = /\d{3}/.test(q) ? normalisePhone(q, region) : null;
  } catch {
    phone = null;
  }
  const digits = q.replace(/\D/g, '');
  return { text: q, phone, digits: digits.length >= 4 && digits.length === q.replace(/[\s()+.-]/g, '').length ? digits : null };
}

export function createClientsService(deps: { db: Kysely<DB>; clock: Clock; defaultRegion: CountryCode; onAuthChange?: () => void }) {
  const { db, clock } = deps;

  const contact = (email: string | undefined | null, phone: string | undefined | null) => normaliseContact(email, phone, deps.defaultRegion);

  async function assertUnique(repo: ReturnType<typeof clientsRepo>, tenantId: string, c: { email: string | null; phone: string | null }, selfId?: string) {
    for (const kind of ['email', 'phone'] as const) {
      const value = c[kind];
      if (!value) continue;
      const other = await repo.byContact(tenantId, { kind, value });
      if (other && other.id !== selfId) {
        throw clientErrors.CONTACT_TAKEN(other.name, kind).about(kind);
      }
    }
  }

  return {
    async add(tenantId: string, input: ClientInput, actor: Actor = 'operator'): Promise<Client> {
      const v = parse(clientInput, input);
      const c = contact(v.email, v.phone);
      if (!c.email && !c.phone) throw clientErrors.CONTACT_REQUIRED();
      return db.transaction().execute(async (trx) => {
        const repo = clientsRepo(trx);
        await assertUnique(repo, tenantId, c);
        if (v.externalId && (await repo.byExternalId(tenantId, v.externalId))) {
          throw clientErrors.EXTERNAL_ID_TAKEN(v.externalId);
        }
        const now = clock.now();
        const client: Client = {
          id: newId(),
          tenant_id: tenantId,
          external_id: v.externalId ?? null,
          name: v.name,
          locale: v.locale ?? null,
          ...c,
          status: 'active',
          link_version: 1,
          created_at: now,
          updated_at: now,
        };
        await repo.insert(client);
        await auditRepo(trx).record({
          tenantId,
          clientId: client.id,
          actor,
          action: 'client.created',
          subjectId: client.id,
          data: { email: c.email && maskEmail(c.email), phone: c.phone && maskPhone(c.phone) },
          at: now,
        });
        return client;
      });
    },

    /** Updates a client. Changing contact details or disabling bumps link_version (kills signed links). */
    async update(tenantId: string, clientId: string, patch: ClientPatch, actor: Actor = 'operator', auditData: Record<string, unknown> = {}): Promise<Client> {
      const v = parse(clientInput.partial(), patch);
      const updated = await db.transaction().execute(async (trx) => {
        const repo = clientsRepo(trx);
        const current = await repo.byId(tenantId, clientId);
        if (!current) throw clientErrors.CLIENT_NOT_FOUND();
        const c = contact(
          v.email === undefined ? current.email : v.email || null,
          v.phone === undefined ? current.phone : v.phone || null,
        );
        if (!c.email && !c.phone) throw clientErrors.CONTACT_REQUIRED();
        await assertUnique(repo, tenantId, c, clientId);
        const status = patch.status ?? current.status;
        const contactChanged = c.email !== current.email || c.phone !== current.phone;
        const disabled = status !== current.status && status === 'disabled';
        const now = clock.now();
        const next: Client = {
          ...current,
          name: v.name ?? current.name,
          external_id: v.externalId ?? current.external_id,
          // The language is no contact detail: changing it leaves links and sessions alone.
          locale: v.locale === undefined ? current.locale : v.locale,
          ...c,
          status,
          link_version: current.link_version + (contactChanged || disabled ? 1 : 0),
          updated_at: now,
        };
        const { id: _id, tenant_id: _t, created_at: _c, ...changes } = next;
        await repo.update(tenantId, clientId, changes);
        if (contactChanged) await sessionsRepo(trx).revokeLinkSessions(tenantId, clientId, now);
        const changed = (['name', 'email', 'phone', 'status', 'locale'] as const).filter((k) => next[k] !== current[k]);
        await auditRepo(trx).record({ tenantId, clientId, actor, action: 'client.updated', subjectId: clientId, data: { ...auditData, changed }, at: now });
        return next;
      });
      deps.onAuthChange?.();
      return updated;
    },

    /**
     * The client's preferred language (the profile page, the console, the API). Not a contact
     * change: links, sessions and link_version stay as they are. Audited as client.locale_changed
     * when it changes; setting the language the client already has writes nothing.
     */
    async setLocale(tenantId: string, clientId: string, locale: Locale, actor: 'client' | 'owner' | 'api', auditData: Record<string, unknown> = {}): Promise<void> {
      const next = parse(localeInput, locale);
      // Nothing cached depends on it: the session check does not read the client's language.
      await db.transaction().execute(async (trx) => {
        const repo = clientsRepo(trx);
        const current = await repo.byId(tenantId, clientId);
        if (!current) throw clientErrors.CLIENT_NOT_FOUND();
        if (current.locale === next) return;
        const now = clock.now();
        await repo.update(tenantId, clientId, { locale: next, updated_at: now });
        await auditRepo(trx).record({
          tenantId,
          clientId,
          // The shop's system (the API) is recorded as 'system', like its other writes.
          actor: actor === 'api' ? 'system' : actor,
          action: 'client.locale_changed',
          subjectId: clientId,
          data: { ...auditData, before: current.locale, after: next },
          at: now,
        });
      });
    },

    /**
     * The integration API's PUT: the client with this external id, else an existing client of the
     * shop with the same email or phone and no external id yet (adopted), else a new one.
     */
    async upsertByExternalId(tenantId: string, externalId: string, input: ClientPatch & { name: string }, actor: Actor = 'system'): Promise<{ client: Client; created: boolean }> {
      const once = () => this.upsertOnce(tenantId, externalId, input, actor);
      try {
        return await retryOnUniqueViolation(once);
      } catch (err) {
        // A parallel twin created this very client first (our contact check then saw it): update it.
        const twin = err instanceof AppError && (err.code === 'CONTACT_TAKEN' || err.code === 'EXTERNAL_ID_TAKEN');
        if (twin && (await clientsRepo(db).byExternalId(tenantId, externalId))) return once();
        throw err;
      }
    },

    async upsertOnce(tenantId: string, externalId: string, input: ClientPatch & { name: string }, actor: Actor): Promise<{ client: Client; created: boolean }> {
      const repo = clientsRepo(db);
      let existing = await repo.byExternalId(tenantId, externalId);
      if (!existing) {
        const c = contact(input.email, input.phone);
        for (const kind of ['email', 'phone'] as const) {
          const value = c[kind];
          const found = value ? await repo.byContact(tenantId, { kind, value }) : undefined;
          if (found && found.external_id === null) {
            existing = found;
            break;
          }
        }
      }
      if (existing) return { client: await this.update(tenantId, existing.id, { ...input, externalId }, actor), created: false };
      const { status, ...fields } = input;
      const added = await this.add(tenantId, { ...fields, name: input.name, externalId }, actor);
      // Created disabled (a cancelled customer): disabled before anyone could sign in with it.
      return { client: status === 'disabled' ? await this.update(tenantId, added.id, { status }, actor) : added, created: true };
    },

    /**
     * The console's client search (one shop): name or email contains the text, or the phone is
     * what was typed in any format ("(512) 555-0187" finds +15125550187), or contains its digits.
     */
    async search(tenantId: string, text: string, page: number, perPage = 25) {
      const rows = await clientsRepo(db).search({ tenantId }, searchTerms(text, deps.defaultRegion), perPage, (page - 1) * perPage);
      return { clients: rows.slice(0, perPage), hasNext: rows.length > perPage };
    },

    /** Servicio support's search, across every shop (nothing for fewer than 3 characters). */
    async searchEveryShop(text: string, perPage = 50) {
      const terms = searchTerms(text, deps.defaultRegion);
      if (terms.text.length < 3) return { clients: [], hasNext: false };
      const rows = await clientsRepo(db).search('every-shop', terms, perPage, 0);
      return { clients: rows.slice(0, perPage), hasNext: rows.length > perPage };
    },

    /**
     * "Stop email links": every signed link already sent to this client stops working (their
     * link version moves on) and sessions opened from them end. The client can still sign in.
     */
    async stopEmailLinks(tenantId: string, clientId: string, actor: Actor, auditData: Record<string, unknown> = {}): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const repo = clientsRepo(trx);
        const current = await repo.byId(tenantId, clientId);
        if (!current) throw clientErrors.CLIENT_NOT_FOUND();
        const now = clock.now();
        await repo.update(tenantId, clientId, { link_version: current.link_version + 1, updated_at: now });
        const ended = await sessionsRepo(trx).revokeLinkSessions(tenantId, clientId, now);
        await auditRepo(trx).record({ tenantId, clientId, actor, action: 'client.email_links_stopped', subjectId: clientId, data: { ...auditData, linkSessionsEnded: ended }, at: now });
      });
      deps.onAuthChange?.();
    },

    /** One client of this shop, or undefined. */
    get: (tenantId: string, clientId: string) => clientsRepo(db).byId(tenantId, clientId),

    /** A shop's clients, by name. */
    list: (tenantId: string) => clientsRepo(db).listForTenant(tenantId),

    async resolve(tenantId: string, ref: string): Promise<Client> {
      const repo = clientsRepo(db);
      const byId = await repo.byId(tenantId, ref);
      if (byId) return byId;
      const kind = ref.includes('@') ? 'email' : 'phone';
      try {
        const value = kind === 'email' ? normaliseEmail(ref) : normalisePhone(ref, deps.defaultRegion);
        const found = await repo.byContact(tenantId, { kind, value });
        if (found) return found;
      } catch {
        // not a contact detail: fall through to not found
      }
      throw clientErrors.CLIENT_NOT_FOUND(ref);
    },
  };
}
export type ClientsService = ReturnType<typeof createClientsService>;
