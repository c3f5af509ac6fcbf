// Proving a new email or phone: a 6-digit code goes to the new contact, and only typing it back
// switches the client to it. A session opened by a support recovery link changes contact details
// only this way — whoever talked support into the link cannot quietly take the account over.
import type { Kysely } from 'kysely';
import type { CountryCode } from 'libphonenumber-js';
import type { DB } from '../../db/schema.ts';
import { errorCatalog, AppError } from '../../lib/app-error.ts';
import type { Clock } from '../../lib/clock.ts';
import { DAY, HOUR, MINUTE } from '../../lib/clock.ts';
import { hmac, randomDigits, safeEqual } from '../../lib/crypto.ts';
import { newId } from '../../lib/ids.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import type { RequestContext } from '../../lib/request-context.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import type { Outbox } from '../delivery/outbox.service.ts';
import { emailBrand } from '../tenants/logo.ts';
import { staffRepo } from '../staff/staff.repo.ts';
import { contactProofsRepo } from './contact-proofs.repo.ts';
import { tenantsRepo } from '../tenants/tenants.repo.ts';
import { clientsRepo } from './clients.repo.ts';
import type { ClientsService } from './clients.service.ts';
import { normaliseEmail, normalisePhone } from './contact.ts';

export const proofErrors = errorCatalog({
  SAME_AS_NOW: { status: 400, vars: ['context'], message: (kind: 'email' | 'phone') => `That is already your ${kind === 'email' ? 'email' : 'mobile number'}. Type the new one.` },
  NOT_USABLE: { status: 409, vars: ['context', 'shop'], message: (kind: 'email' | 'phone', shop: string) => `This ${kind === 'email' ? 'email' : 'mobile number'} can’t be used for your account. Ask ${shop} to help.`, doc: 'Another client of the shop has this email or phone.' },
  TOO_MANY: { status: 429, message: 'You have asked for 5 codes in the last hour. Wait a while, then try again.' },
  NO_CODE: { status: 400, field: 'code', message: 'Ask for a code first: type your new email or mobile number and tap the button under it.' },
  WRONG: { status: 400, field: 'code', message: 'That code doesn’t match the one we sent. Check the newest message and try again.' },
  USED_UP: { status: 400, field: 'code', message: 'Too many wrong codes. Ask for a new one.' },
});

const PROOF_TTL_MS = 15 * MINUTE;
const MAX_ATTEMPTS = 5;
const MAX_PER_HOUR = 5;

export function createContactProofs(deps: { db: Kysely<DB>; clock: Clock; outbox: Pick<Outbox, 'enqueue' | 'notify'>; clients: Pick<ClientsService, 'update'>; appSecret: string; publicUrl: string; defaultRegion: CountryCode }) {
  const { db, clock } = deps;
  const codeHash = (proofId: string, code: string) => hmac(deps.appSecret, `contact-proof:${proofId}:${code}`);
  const repo = contactProofsRepo(db);

  return {
    /** The code being waited for in this session, if any: where it went. */
    async pending(session: { id: string }): Promise<{ kind: 'email' | 'phone'; masked: string } | null> {
      const p = await repo.pendingFor(session.id, clock.now());
      return p && p.attempts < MAX_ATTEMPTS ? { kind: p.kind, masked: maskIdentifier(p.kind, p.value) } : null;
    },

    /** Sends a code to the new email or phone (replacing any earlier code of this session). */
    async start(session: { id: string; tenantId: string; clientId: string }, kind: 'email' | 'phone', typed: string, ctx: RequestContext): Promise<{ masked: string }> {
      const value = kind === 'email' ? normaliseEmail(typed) : normalisePhone(typed, deps.defaultRegion);
      const now = clock.now();
      const client = await clientsRepo(db).byId(session.tenantId, session.clientId);
      const tenant = await tenantsRepo(db).byId(session.tenantId);
      if (!client || !tenant) throw proofErrors.NO_CODE();
      if (client[kind] === value) throw proofErrors.SAME_AS_NOW(kind);
      // Every try counts against the hourly allowance — those refused too, so the form cannot be
      // used to test which addresses the shop's other clients have.
      if ((await repo.countSince(session.id, now - HOUR)) >= MAX_PER_HOUR) throw proofErrors.TOO_MANY();
      const other = await clientsRepo(db).byContact(session.tenantId, { kind, value });
      if (other && other.id !== client.id) {
        await repo.insert({ id: newId(), tenant_id: session.tenantId, client_id: session.clientId, session_id: session.id, kind, value, code_hash: '', attempts: MAX_ATTEMPTS, expires_at: now, consumed_at: now, created_at: now });
        throw proofErrors.NOT_USABLE(kind, tenant.name);
      }
      await db.transaction().execute(async (trx) => {
        await contactProofsRepo(trx).closeAllOf(session.id, now);
        const id = newId();
        const code = randomDigits(6);
        await contactProofsRepo(trx).insert({ id, tenant_id: session.tenantId, client_id: session.clientId, session_id: session.id, kind, value, code_hash: codeHash(id, code), attempts: 0, expires_at: now + PROOF_TTL_MS, consumed_at: null, created_at: now });
        await deps.outbox.enqueue(trx, {
          channel: kind === 'email' ? 'email' : 'sms',
          to: value,
          template: 'contact-code',
          tenantId: session.tenantId,
          clientId: session.clientId,
          sendBefore: now + PROOF_TTL_MS,
          now,
          data: { ...emailBrand(tenant, deps.publicUrl), locale: client.locale, code, minutes: PROOF_TTL_MS / MINUTE, kind, portalUrl: `${deps.publicUrl}/portal/profile` },
        });
        await auditRepo(trx).record({ tenantId: session.tenantId, clientId: session.clientId, actor: 'client', action: 'client.contact_code_sent', subjectId: id, data: { kind, sentTo: maskIdentifier(kind, value) }, ip: ctx.ip, at: now });
      });
      deps.outbox.notify();
      return { masked: maskIdentifier(kind, value) };
    },

    /** The code typed back: the client now has the new email or phone. */
    async confirm(session: { id: string; tenantId: string; clientId: string }, code: string, ctx: RequestContext): Promise<{ kind: 'email' | 'phone' }> {
      const now = clock.now();
      const p = await repo.pendingFor(session.id, now);
      if (!p) throw proofErrors.NO_CODE();
      // The attempt is counted before the code is compared: parallel guesses each spend one.
      if (!(await repo.countAttempt(p.id, MAX_ATTEMPTS))) throw proofErrors.USED_UP();
      const digits = code.replace(/\s/g, '');
      if (!/^\d{6}$/.test(digits) || !safeEqual(p.code_hash, codeHash(p.id, digits))) {
        if (p.attempts + 1 >= MAX_ATTEMPTS) throw proofErrors.USED_UP();
        throw proofErrors.WRONG();
      }
      const current = await clientsRepo(db).byId(session.tenantId, session.clientId);
      const before = current?.[p.kind] ?? null;
      if (!(await repo.consume(p.id, now))) throw proofErrors.NO_CODE();
      const tenant = (await tenantsRepo(db).byId(session.tenantId))!;
      try {
        await deps.clients.update(session.tenantId, session.clientId, { [p.kind]: p.value }, 'client', { proved: 'code sent to the new contact', via: 'recovery session' });
      } catch (err) {
        if (err instanceof AppError && err.code === 'CONTACT_TAKEN') throw proofErrors.NOT_USABLE(p.kind, tenant.name);
        throw err;
      }
      await db.transaction().execute(async (trx) => {
        await auditRepo(trx).record({ tenantId: session.tenantId, clientId: session.clientId, actor: 'client', action: 'client.contact_proved', subjectId: p.id, data: { kind: p.kind, to: maskIdentifier(p.kind, p.value) }, ip: ctx.ip, at: now });
        // The old email or phone hears of the change: if this was not its owner, they know whom to call.
        if (before) {
          await deps.outbox.enqueue(trx, { channel: p.kind === 'email' ? 'email' : 'sms', to: before, template: 'contact-changed', tenantId: session.tenantId, clientId: session.clientId, now, sendBefore: now + DAY, data: { ...emailBrand(tenant, deps.publicUrl), locale: current?.locale, kind: p.kind, newMasked: maskIdentifier(p.kind, p.value), shopContact: await staffRepo(trx).ownerEmail(tenant.id), portalUrl: `${deps.publicUrl}/client-login` } });
        }
      });
      deps.outbox.notify();
      return { kind: p.kind };
    },
  };
}
export type ContactProofs = ReturnType<typeof createContactProofs>;
