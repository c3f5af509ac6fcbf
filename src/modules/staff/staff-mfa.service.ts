// The staff's second factor: TOTP (RFC 6238, via otpauth) with recovery codes. Enrolment shows a
// QR code drawn on the server; the secret is kept sealed (AES-256-GCM), recovery codes only as
// SHA-256 hashes, each usable once. Five wrong codes lock the factor for 15 minutes.
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { DB } from '../../db/schema.ts';
import { errorCatalog } from '../../lib/app-error.ts';
import type { Clock } from '../../lib/clock.ts';
import { MINUTE } from '../../lib/clock.ts';
import { randomToken, safeEqual, sha256, type Sealer } from '../../lib/crypto.ts';
import type { RequestContext } from '../../lib/request-context.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { staffRepo } from './staff.repo.ts';
import type { ConsoleSession, StaffSessions } from './staff-sessions.service.ts';

export const mfaErrors = errorCatalog({
  CODE_FORMAT: { status: 400, field: 'code', message: 'Type the 6 digits your authenticator app shows, or one of your recovery codes.' },
  CODE_WRONG: { status: 400, field: 'code', message: 'That code doesn’t match. Check the time on your phone is right, and use the newest code.' },
  LOCKED: { status: 429, field: 'code', message: (minutes: number) => `Too many wrong codes. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask an owner for help.`, doc: 'Too many wrong codes; locked for a while.' },
  NOT_ENROLLING: { status: 400, message: 'Start again: sign in and set up your authenticator app.' },
});

const MAX_FAILURES = 5;
const LOCK_MS = 15 * MINUTE;
const RECOVERY_CODES = 10;

const totpFor = (secret: string, label: string, issuer: string) => new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
/** Recovery codes look like `k7qz-m2xa-9fpt`, easy to copy from paper; compared without dashes or case. */
const normaliseRecovery = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

export function createStaffMfa(deps: { db: Kysely<DB>; clock: Clock; sealer: Sealer; staffSessions: StaffSessions; issuer?: string }) {
  const { db, clock, sealer } = deps;
  const issuer = deps.issuer ?? 'Servicio shop console';

  async function member(s: ConsoleSession) {
    const m = await staffRepo(db).byId(s.tenantId, s.staffId);
    if (!m) throw mfaErrors.NOT_ENROLLING();
    return m;
  }

  async function fail(s: ConsoleSession, failures: number, ctx: RequestContext): Promise<never> {
    const now = clock.now();
    const locked = failures >= MAX_FAILURES;
    await db.transaction().execute(async (trx) => {
      await staffRepo(trx).update(s.tenantId, s.staffId, { totp_failures: locked ? 0 : failures, totp_locked_until: locked ? now + LOCK_MS : null });
      await auditRepo(trx).record({ tenantId: s.tenantId, actor: 'owner', action: locked ? 'staff.second_factor_locked' : 'staff.second_factor_failed', subjectId: s.staffId, data: { by: s.name, failures }, ip: ctx.ip, at: now });
    });
    if (locked) throw mfaErrors.LOCKED(Math.ceil(LOCK_MS / MINUTE));
    throw mfaErrors.CODE_WRONG();
  }

  return {
    /** Enrolment: a new secret (kept sealed, not yet active) and the QR code that carries it. */
    async startEnrolment(s: ConsoleSession): Promise<{ secret: string; qrSvg: string; uri: string }> {
      const m = await member(s);
      if (m.totp_enabled_at !== null) throw mfaErrors.NOT_ENROLLING();
      const secret = new Secret({ size: 20 }).base32;
      await staffRepo(db).update(s.tenantId, s.staffId, { totp_secret_enc: sealer.seal(secret) });
      const uri = totpFor(secret, `${m.email} (${s.tenant.name})`, issuer).toString();
      const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      return { secret, qrSvg, uri };
    },

    /** The first code from the app proves the enrolment; returns the recovery codes, shown once. */
    async finishEnrolment(s: ConsoleSession, code: string, ctx: RequestContext): Promise<string[]> {
      const m = await member(s);
      if (m.totp_enabled_at !== null || !m.totp_secret_enc) throw mfaErrors.NOT_ENROLLING();
      const now = clock.now();
      if (m.totp_locked_until !== null && m.totp_locked_until > now) throw mfaErrors.LOCKED(Math.ceil((m.totp_locked_until - now) / MINUTE));
      const digits = code.replace(/\s/g, '');
      if (!/^\d{6}$/.test(digits)) throw mfaErrors.CODE_FORMAT();
      if (totpFor(sealer.open(m.totp_secret_enc), m.email, issuer).validate({ token: digits, timestamp: now, window: 1 }) === null) return fail(s, m.totp_failures + 1, ctx);
      const codes = Array.from({ length: RECOVERY_CODES }, () => randomToken(9).toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 12).replace(/(.{4})(?=.)/g, '$1-'));
      await db.transaction().execute(async (trx) => {
        await staffRepo(trx).update(s.tenantId, s.staffId, { totp_enabled_at: now, totp_failures: 0, totp_locked_until: null, recovery_codes: JSON.stringify(codes.map((c) => sha256(normaliseRecovery(c)))) });
        await auditRepo(trx).record({ tenantId: s.tenantId, actor: 'owner', action: 'staff.second_factor_enabled', subjectId: s.staffId, data: { by: s.name }, ip: ctx.ip, at: now });
      });
      await deps.staffSessions.secondFactorGiven(s);
      return codes;
    },

    /** A code from the app, or a recovery code (used up), opens this session. */
    async verify(s: ConsoleSession, code: string, ctx: RequestContext): Promise<{ recoveryCodesLeft: number | null }> {
      const m = await member(s);
      if (m.totp_enabled_at === null || !m.totp_secret_enc) throw mfaErrors.NOT_ENROLLING();
      const now = clock.now();
      if (m.totp_locked_until !== null && m.totp_locked_until > now) throw mfaErrors.LOCKED(Math.ceil((m.totp_locked_until - now) / MINUTE));
      const digits = code.replace(/\s/g, '');
      let recoveryCodesLeft: number | null = null;
      if (/^\d{6}$/.test(digits)) {
        if (totpFor(sealer.open(m.totp_secret_enc), m.email, issuer).validate({ token: digits, timestamp: now, window: 1 }) === null) return fail(s, m.totp_failures + 1, ctx);
      } else {
        const wanted = sha256(normaliseRecovery(code));
        const stored = JSON.parse(m.recovery_codes ?? '[]') as string[];
        if (normaliseRecovery(code).length !== 12) throw mfaErrors.CODE_FORMAT();
        const match = stored.find((h) => safeEqual(h, wanted));
        if (!match) return fail(s, m.totp_failures + 1, ctx);
        const left = stored.filter((h) => h !== match);
        await staffRepo(db).update(s.tenantId, s.staffId, { recovery_codes: JSON.stringify(left) });
        recoveryCodesLeft = left.length;
      }
      await db.transaction().execute(async (trx) => {
        await staffRepo(trx).update(s.tenantId, s.staffId, { totp_failures: 0, totp_locked_until: null });
        await auditRepo(trx).record({ tenantId: s.tenantId, actor: 'owner', action: 'staff.second_factor_passed', subjectId: s.staffId, data: { by: s.name, with: recoveryCodesLeft === null ? 'app' : 'recovery code' }, ip: ctx.ip, at: now });
      });
      await deps.staffSessions.secondFactorGiven(s);
      return { recoveryCodesLeft };
    },

  };
}
export type StaffMfa = ReturnType<typeof createStaffMfa>;
