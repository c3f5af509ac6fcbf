// A second factor: TOTP (RFC 6238, via otpauth) with recovery codes, for whoever holds one (a
// shop's staff member, a Servicio support agent). Enrolment shows a QR code drawn on the server;
// the secret is kept sealed (AES-256-GCM), recovery codes only as SHA-256 hashes, each usable once.
// Five wrong codes lock the factor for 15 minutes.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { errorCatalog } from '../../lib/app-error.ts';
import type { Clock } from '../../lib/clock.ts';
import { MINUTE } from '../../lib/clock.ts';
import { randomToken, safeEqual, sha256, type Sealer } from '../../lib/crypto.ts';
import type { RequestContext } from '../../lib/request-context.ts';

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

/** What a factor's holder keeps: the same columns on `staff` and on `support_agents`. */
export interface FactorState {
  email: string;
  totp_secret_enc: string | null;
  totp_enabled_at: number | null;
  recovery_codes: string | null;
  totp_failures: number;
  totp_locked_until: number | null;
}

/** Where one holder's factor lives, and what to do around it (audit, open the session). */
export interface FactorHolder {
  /** Shown in the authenticator app: "jo@example.com (Greenway Lawn Care)". */
  label: string;
  load(): Promise<FactorState | undefined>;
  save(trx: Kysely<DB>, patch: Partial<Omit<FactorState, 'email'>>): Promise<void>;
  audit(trx: Kysely<DB>, event: 'enabled' | 'passed' | 'failed' | 'locked', data: Record<string, unknown>, ctx: RequestContext): Promise<void>;
  /** The second factor was given: the session opens fully. */
  given(): Promise<void>;
}

export function createTotpFactor(deps: { db: Kysely<DB>; clock: Clock; sealer: Sealer; issuer: string }) {
  const { db, clock, sealer, issuer } = deps;

  async function state(h: FactorHolder) {
    const m = await h.load();
    if (!m) throw mfaErrors.NOT_ENROLLING();
    return m;
  }

  async function fail(h: FactorHolder, failures: number, ctx: RequestContext): Promise<never> {
    const now = clock.now();
    const locked = failures >= MAX_FAILURES;
    await db.transaction().execute(async (trx) => {
      await h.save(trx, { totp_failures: locked ? 0 : failures, totp_locked_until: locked ? now + LOCK_MS : null });
      await h.audit(trx, locked ? 'locked' : 'failed', { failures }, ctx);
    });
    if (locked) throw mfaErrors.LOCKED(Math.ceil(LOCK_MS / MINUTE));
    throw mfaErrors.CODE_WRONG();
  }

  return {
    /** Enrolment: a new secret (kept sealed, not yet active) and the QR code that carries it. */
    async startEnrolment(h: FactorHolder): Promise<{ secret: string; qrSvg: string; uri: string }> {
      const m = await state(h);
      if (m.totp_enabled_at !== null) throw mfaErrors.NOT_ENROLLING();
      const secret = new Secret({ size: 20 }).base32;
      await h.save(db, { totp_secret_enc: sealer.seal(secret) });
      const uri = totpFor(secret, h.label, issuer).toString();
      const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      return { secret, qrSvg, uri };
    },

    /** The first code from the app proves the enrolment; returns the recovery codes, shown once. */
    async finishEnrolment(h: FactorHolder, code: string, ctx: RequestContext): Promise<string[]> {
      const m = await state(h);
      if (m.totp_enabled_at !== null || !m.totp_secret_enc) throw mfaErrors.NOT_ENROLLING();
      const now = clock.now();
      if (m.totp_locked_until !== null && m.totp_locked_until > now) throw mfaErrors.LOCKED(Math.ceil((m.totp_locked_until - now) / MINUTE));
      const digits = code.replace(/\s/g, '');
      if (!/^\d{6}$/.test(digits)) throw mfaErrors.CODE_FORMAT();
      if (totpFor(sealer.open(m.totp_secret_enc), m.email, issuer).validate({ token: digits, timestamp: now, window: 1 }) === null) return fail(h, m.totp_failures + 1, ctx);
      const codes = Array.from({ length: RECOVERY_CODES }, () => randomToken(9).toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 12).replace(/(.{4})(?=.)/g, '$1-'));
      await db.transaction().execute(async (trx) => {
        await h.save(trx, { totp_enabled_at: now, totp_failures: 0, totp_locked_until: null, recovery_codes: JSON.stringify(codes.map((c) => sha256(normaliseRecovery(c)))) });
        await h.audit(trx, 'enabled', {}, ctx);
      });
      await h.given();
      return codes;
    },

    /** A code from the app, or a recovery code (used up), opens the session. */
    async verify(h: FactorHolder, code: string, ctx: RequestContext): Promise<{ recoveryCodesLeft: number | null }> {
      const m = await state(h);
      if (m.totp_enabled_at === null || !m.totp_secret_enc) throw mfaErrors.NOT_ENROLLING();
      const now = clock.now();
      if (m.totp_locked_until !== null && m.totp_locked_until > now) throw mfaErrors.LOCKED(Math.ceil((m.totp_locked_until - now) / MINUTE));
      const digits = code.replace(/\s/g, '');
      let recoveryCodesLeft: number | null = null;
      if (/^\d{6}$/.test(digits)) {
        if (totpFor(sealer.open(m.totp_secret_enc), m.email, issuer).validate({ token: digits, timestamp: now, window: 1 }) === null) return fail(h, m.totp_failures + 1, ctx);
      } else {
        if (normaliseRecovery(code).length !== 12) throw mfaErrors.CODE_FORMAT();
        const wanted = sha256(normaliseRecovery(code));
        const stored = JSON.parse(m.recovery_codes ?? '[]') as string[];
        const match = stored.find((x) => safeEqual(x, wanted));
        if (!match) return fail(h, m.totp_failures + 1, ctx);
        recoveryCodesLeft = stored.length - 1;
        await h.save(db, { recovery_codes: JSON.stringify(stored.filter((x) => x !== match)) });
      }
      await db.transaction().execute(async (trx) => {
        await h.save(trx, { totp_failures: 0, totp_locked_until: null });
        await h.audit(trx, 'passed', { with: recoveryCodesLeft === null ? 'app' : 'recovery code' }, ctx);
      });
      await h.given();
      return { recoveryCodesLeft };
    },
  };
}
export type TotpFactor = ReturnType<typeof createTotpFactor>;
