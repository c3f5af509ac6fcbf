import type { Kysely } from 'kysely';
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { tenantErrors } from './tenants.errors.ts';
import { DEFAULT_BRAND_COLOR } from '../../lib/color.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { AppError } from '../../lib/app-error.ts';
import { parse } from '../../lib/validate.ts';
import { normaliseEmail, normalisePhone } from '../clients/contact.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import type { LogoFetcher } from './logo-fetcher.ts';
import { tenantsRepo, type Tenant } from './tenants.repo.ts';

export const tenantInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'name is required')
    .max(80, 'name must be at most 80 characters')
    .regex(/^[^\p{Cc}]*$/u, 'name must not contain line breaks or control characters'),
  slug: z
    .string()
    .trim()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'slug must be 1–40 lower-case letters, digits or dashes, e.g. green-lawn'),
  brandColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'brand colour must be a hex colour like #2f855a')
    .default(DEFAULT_BRAND_COLOR),
  logoUrl: z.url({ protocol: /^https?$/, error: 'logo URL must be an https:// address' }).optional(),
  sessionDays: z.coerce.number().int().min(1, 'session length must be 1–365 days').max(365, 'session length must be 1–365 days').optional(),
  /** How a homeowner reaches the shop (invoices, receipts, the portal). Empty: none. */
  contactPhone: z.string().trim().max(32, 'the shop’s phone number is too long').optional(),
  contactEmail: z.string().trim().max(254, 'the shop’s email address is too long').optional(),
  /** Postal address: up to 4 lines (newline-separated), 200 characters in all. */
  address: z.string().max(1000, 'the address must be at most 4 lines and 200 characters').optional(),
});
export type TenantInput = z.input<typeof tenantInput>;

/** The shop's contact details, as the console's Shop details page and `tenant contact` set them. */
export interface ShopContactInput {
  contactPhone?: string | null;
  contactEmail?: string | null;
  address?: string | null;
}
export interface ShopContact {
  contact_phone: string | null;
  contact_email: string | null;
  address: string | null;
}
const FIELD_NAMES = { contact_phone: 'contactPhone', contact_email: 'contactEmail', address: 'address' } as const;
/** Who changed the shop's details: the operator (CLI) or an owner in the console, by name. */
export type ShopActor = { actor: 'operator' } | { actor: 'owner'; name: string; staffId: string };

/** Lines trimmed, empty ones dropped; at most 4 lines and 200 characters; no other control characters. */
function normaliseAddress(input: string): string | null {
  const lines = input
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
  if (lines.length === 0) return null;
  if (lines.some((l) => /\p{Cc}/u.test(l))) throw tenantErrors.INVALID_ADDRESS('The address must not contain control characters.');
  if (lines.length > 4) throw tenantErrors.INVALID_ADDRESS(`The address has ${lines.length} lines; use at most 4 (street, suite, city and postcode…).`);
  const address = lines.join('\n');
  if (address.length > 200) throw tenantErrors.INVALID_ADDRESS(`The address is ${address.length} characters long; keep it to 200.`);
  return address;
}

/** Settings → Security in the console (the operator CLI may set up to 365 days; owners 1–30). */
export const securityInput = z.object({
  sessionDays: z.coerce.number({ error: 'must be a number of days' }).int('must be a whole number of days').min(1, 'must be 1–30 days').max(30, 'must be 1–30 days'),
  loginChannels: z.enum(['email', 'sms', 'both'], { error: 'choose email, text or both' }),
  staffMfaRequired: z.coerce.boolean(),
});

export function createTenantsService(deps: { db: Kysely<DB>; clock: Clock; sessionDaysDefault: number; fetchLogo: LogoFetcher; defaultRegion?: CountryCode; onAuthChange?: () => void }) {
  const { db, clock } = deps;

  /**
   * The contact details in their stored form: the phone in E.164 (like clients' phones), the email
   * normalised like clients' emails, the address in lines. undefined: not given; '' or null: none.
   */
  function contactOf(input: ShopContactInput): Partial<ShopContact> {
    const out: Partial<ShopContact> = {};
    const given = (v: string | null | undefined) => (v === undefined ? undefined : (v ?? '').trim());
    const phone = given(input.contactPhone);
    if (phone !== undefined) {
      try {
        out.contact_phone = phone ? normalisePhone(phone, deps.defaultRegion ?? 'US') : null;
      } catch (err) {
        if (err instanceof AppError) throw tenantErrors.INVALID_CONTACT_PHONE();
        throw err;
      }
    }
    const email = given(input.contactEmail);
    if (email !== undefined) {
      try {
        out.contact_email = email ? normaliseEmail(email) : null;
      } catch (err) {
        if (err instanceof AppError) throw tenantErrors.INVALID_CONTACT_EMAIL();
        throw err;
      }
    }
    if (input.address !== undefined) out.address = normaliseAddress(input.address ?? '');
    return out;
  }

  return {
    /** Creates a shop. A logo URL is fetched and checked first: a bad one fails with what to fix. */
    async create(input: TenantInput, actor: 'operator' | 'support' = 'operator'): Promise<Tenant> {
      const v = parse(tenantInput, input);
      const contact = contactOf(v);
      const logo = v.logoUrl ? await deps.fetchLogo(v.logoUrl) : undefined;
      return db.transaction().execute(async (trx) => {
        const tenants = tenantsRepo(trx);
        if (await tenants.bySlug(v.slug)) {
          throw tenantErrors.SLUG_TAKEN(v.slug);
        }
        const now = clock.now();
        const tenant: Tenant = {
          id: newId(),
          slug: v.slug,
          name: v.name,
          contact_phone: contact.contact_phone ?? null,
          contact_email: contact.contact_email ?? null,
          address: contact.address ?? null,
          brand_color: v.brandColor.toLowerCase(),
          logo_url: v.logoUrl ?? null,
          logo_hash: logo?.hash ?? null,
          session_days: v.sessionDays ?? deps.sessionDaysDefault,
          login_channels: 'both',
          staff_mfa_required: 0,
          status: 'active',
          created_at: now,
          updated_at: now,
        };
        await tenants.insert(tenant);
        if (logo) await tenants.saveLogo({ tenant_id: tenant.id, hash: logo.hash, content_type: logo.contentType, bytes: logo.bytes, source_url: v.logoUrl!, created_at: now });
        await auditRepo(trx).record({ tenantId: tenant.id, actor, action: 'tenant.created', subjectId: tenant.id, data: { slug: v.slug }, at: now });
        return tenant;
      });
    },

    /** Sets (fetches, checks and keeps) the shop's logo; pages serve it from our origin. */
    async setLogo(tenantId: string, url: string, actor: 'owner' | 'operator' = 'operator'): Promise<void> {
      const v = parse(tenantInput.shape.logoUrl, url)!;
      const logo = await deps.fetchLogo(v);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        await tenantsRepo(trx).saveLogo({ tenant_id: tenantId, hash: logo.hash, content_type: logo.contentType, bytes: logo.bytes, source_url: v, created_at: now });
        await tenantsRepo(trx).update(tenantId, { logo_url: v, logo_hash: logo.hash, updated_at: now });
        await auditRepo(trx).record({ tenantId, actor, action: 'tenant.logo_changed', subjectId: tenantId, data: { bytes: logo.bytes.length, type: logo.contentType }, at: now });
      });
      deps.onAuthChange?.(); // cached sessions carry the brand
    },

    /** The logo bytes for GET /brand/…, when the hash is the shop's current one. */
    logo(tenantId: string, hash: string) {
      return tenantsRepo(db).logo(tenantId, hash);
    },

    list: () => tenantsRepo(db).list(),
    async count(): Promise<number> {
      return Number((await tenantsRepo(db).count()).n);
    },
    bySlug: (slug: string) => tenantsRepo(db).bySlug(slug),

    async resolve(idOrSlug: string): Promise<Tenant> {
      const repo = tenantsRepo(db);
      const t = (await repo.bySlug(idOrSlug)) ?? (await repo.byId(idOrSlug));
      if (!t) throw tenantErrors.TENANT_NOT_FOUND(idOrSlug);
      return t;
    },

    /** Disabling a shop ends its clients' sessions and email links at once (both check the status). */
    async setStatus(tenantId: string, status: 'active' | 'disabled', actor: 'operator' | 'support' = 'operator'): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        await tenantsRepo(trx).update(tenantId, { status, updated_at: now });
        await auditRepo(trx).record({ tenantId, actor, action: `tenant.${status === 'active' ? 'enabled' : 'disabled'}`, subjectId: tenantId, at: now });
      });
      deps.onAuthChange?.();
    },

    /**
     * Settings → Security, from the console: client session length (1–30 days, applies to existing
     * sessions at once), how clients may sign in, and whether staff need a second factor. Audited
     * with who changed it and every value before and after.
     */
    async setSecurity(tenantId: string, input: unknown, by: { name: string; staffId: string }): Promise<Tenant> {
      const v = parse(securityInput, input);
      const updated = await db.transaction().execute(async (trx) => {
        const repo = tenantsRepo(trx);
        const before = await repo.byId(tenantId);
        if (!before) throw tenantErrors.TENANT_NOT_FOUND(tenantId);
        const now = clock.now();
        const patch = { session_days: v.sessionDays, login_channels: v.loginChannels, staff_mfa_required: v.staffMfaRequired ? 1 : 0 };
        await repo.update(tenantId, { ...patch, updated_at: now });
        const pick = (t: Pick<Tenant, 'session_days' | 'login_channels' | 'staff_mfa_required'>) => ({ sessionDays: t.session_days, loginChannels: t.login_channels, staffMfaRequired: !!t.staff_mfa_required });
        await auditRepo(trx).record({ tenantId, actor: 'owner', action: 'tenant.settings_changed', subjectId: tenantId, data: { by: by.name, byStaff: by.staffId, before: pick(before), after: pick(patch) }, at: now });
        return { ...before, ...patch, updated_at: now };
      });
      deps.onAuthChange?.();
      return updated;
    },

    /**
     * The shop's contact details (Settings → Shop details, `servicio tenant contact`): each given
     * field is checked and stored in its normal form; '' or null clears it; one left out stays.
     * Audited as shop.contact_changed with who and every value before and after (these are the
     * shop's public details, printed on its invoices); saving what is already there writes nothing.
     */
    async setContact(tenantId: string, input: ShopContactInput, by: ShopActor = { actor: 'operator' }): Promise<Tenant> {
      const v = parse(tenantInput.pick({ contactPhone: true, contactEmail: true, address: true }), {
        ...(input.contactPhone !== undefined ? { contactPhone: input.contactPhone ?? '' } : {}),
        ...(input.contactEmail !== undefined ? { contactEmail: input.contactEmail ?? '' } : {}),
        ...(input.address !== undefined ? { address: input.address ?? '' } : {}),
      });
      const patch = contactOf(v);
      let changed = false;
      const updated = await db.transaction().execute(async (trx) => {
        const repo = tenantsRepo(trx);
        const before = await repo.byId(tenantId);
        if (!before) throw tenantErrors.TENANT_NOT_FOUND(tenantId);
        const after = { ...before, ...patch };
        const pick = (t: ShopContact) => ({ contactPhone: t.contact_phone, contactEmail: t.contact_email, address: t.address });
        const fields = (['contact_phone', 'contact_email', 'address'] as const).filter((k) => after[k] !== before[k]);
        if (fields.length === 0) return before;
        changed = true;
        const now = clock.now();
        await repo.update(tenantId, { ...patch, updated_at: now });
        const who = by.actor === 'owner' ? { by: by.name, byStaff: by.staffId } : {};
        await auditRepo(trx).record({
          tenantId,
          actor: by.actor,
          action: 'shop.contact_changed',
          subjectId: tenantId,
          data: { ...who, changed: fields.map((k) => FIELD_NAMES[k]), before: pick(before), after: pick(after) },
          at: now,
        });
        return { ...after, updated_at: now };
      });
      // Cached session checks carry the shop's row (its brand, and these details where pages show them).
      if (changed) deps.onAuthChange?.();
      return updated;
    },

    /** Settings → Security: session length. A lower value applies to existing sessions at once. */
    async setSessionDays(tenantId: string, days: number, actor: 'owner' | 'operator' = 'operator'): Promise<void> {
      const v = parse(tenantInput.shape.sessionDays, days)!;
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        await tenantsRepo(trx).update(tenantId, { session_days: v, updated_at: now });
        await auditRepo(trx).record({ tenantId, actor, action: 'tenant.session_days_changed', subjectId: tenantId, data: { days: v }, at: now });
      });
      deps.onAuthChange?.();
    },
  };
}
export type TenantsService = ReturnType<typeof createTenantsService>;
