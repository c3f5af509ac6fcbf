// Abuse protection shared by every instance: request limits per identifier and per IP, brute-force
// limits on redemption and codes, and daily SMS budgets. Backed by the store, or by Redis when
// REDIS_URL is set (with an in-memory fallback if Redis stops answering).
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { sha256 } from '../../lib/crypto.ts';
import { RateLimiterKysely } from './kysely-store.ts';

export type Verdict = { ok: true } | { ok: false; retryAfterSec: number };

/**
 * The key for per-IP limits: the address for IPv4, the /64 network for IPv6 (one household or
 * server gets a whole /64, so single IPv6 addresses would be free to rotate).
 */
export function ipKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

const MIN = 60;
const DAY = 24 * 60 * MIN;

export function createLimits(deps: { config: Config; db: Kysely<DB>; clock: Clock; redis?: Redis; onRefused?: (limit: string) => void }) {
  const { config, db, clock, redis } = deps;
  const L = config.limits;

  function limiter(name: string, points: number, duration: number): RateLimiterAbstract {
    const keyPrefix = `${L.namespace}:${name}`;
    if (redis) {
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
      });
    }
    return new RateLimiterKysely({ db, clock, keyPrefix, points, duration });
  }

  async function take(l: RateLimiterAbstract, key: string, points = 1): Promise<Verdict> {
    try {
      await l.consume(key, points);
      return { ok: true };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        deps.onRefused?.(l.keyPrefix.slice(L.namespace.length + 1));
        return { ok: false, retryAfterSec: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      }
      throw err;
    }
  }

  /** Several limits that must all allow; every one is counted, so a burst cannot skip the second. */
  async function all(checks: [RateLimiterAbstract, string][]): Promise<Verdict> {
    const verdicts = await Promise.all(checks.map(([l, k]) => take(l, k)));
    const refused = verdicts.filter((v): v is Extract<Verdict, { ok: false }> => !v.ok);
    return refused.length ? { ok: false, retryAfterSec: Math.max(...refused.map((v) => v.retryAfterSec)) } : { ok: true };
  }

  /**
   * A budget charged only for what is really spent: each limit is charged in turn, and when one
   * refuses, every charge made for this demand (the refused one included) is given back. So a
   * shop over its cap spends neither the global budget nor another shop's.
   */
  async function chargeAll(checks: [RateLimiterAbstract, string][]): Promise<Verdict> {
    const charged: [RateLimiterAbstract, string][] = [];
    for (const check of checks) {
      charged.push(check);
      const v = await take(...check);
      if (!v.ok) {
        await Promise.all(charged.map(([l, k]) => l.reward(k, 1)));
        return v;
      }
    }
    return { ok: true };
  }

  // Identifiers are personal data: the limiter keys hold only a hash of them.
  const hashed = (value: string) => sha256(`limit:${value}`).slice(0, 32);

  const loginIp = limiter('login-ip', L.loginPerIp15m, 15 * MIN);
  const idShort = limiter('login-id-15m', L.loginPerIdentifier15m, 15 * MIN);
  const idDay = limiter('login-id-day', L.loginPerIdentifierDay, DAY);
  const deviceShort = limiter('login-device-15m', L.loginPerIdentifier15m, 15 * MIN);
  const deviceDay = limiter('login-device-day', L.loginPerIdentifierDay, DAY);
  const otherChannel = limiter('other-channel-day', L.otherChannelPerIdentifierDay, DAY);
  const redeemIp = limiter('redeem-ip', L.redeemPerIp15m, 15 * MIN);
  const codeIp = limiter('code-ip', L.codePerIp15m, 15 * MIN);
  const smsTenant = limiter('sms-tenant-day', L.smsPerTenantDay, DAY);
  const smsGlobal = limiter('sms-global-day', L.smsGlobalDay, DAY);
  const unknownNotice = limiter('unknown-notice-day', 1, DAY);
  const webhookTokens = limiter('webhook-token', 1, 15 * MIN);
  const recoveryAgent = limiter('recovery-agent-hour', L.recoveryPerAgentHour, 60 * MIN);
  const recoveryClient = limiter('recovery-client-day', L.recoveryPerClientDay, DAY);

  return {
    loginFromIp: (ip: string) => take(loginIp, ipKey(ip)),
    redeemFromIp: (ip: string) => take(redeemIp, ipKey(ip)),
    codeFromIp: (ip: string) => take(codeIp, ipKey(ip)),
    /** True the first time a webhook token is seen (within its replay window), false after. */
    webhookTokenOnce: async (token: string) => (await take(webhookTokens, sha256(token).slice(0, 32))).ok,
    loginForIdentifier: (identifier: string) => all([[idShort, hashed(identifier)], [idDay, hashed(identifier)]]),
    /**
     * "Text me instead": counted per typed identifier, known or not (so it reveals nothing), because
     * anyone who knows a client's email could otherwise make us text their phone again and again.
     */
    otherChannelFor: (identifier: string) => take(otherChannel, hashed(identifier)),
    /**
     * A browser that proved this identifier before (device cookie): the same caps, on a bucket of
     * its own, so strangers spending the shared caps cannot lock it out (OWASP device cookies).
     */
    loginFromKnownDevice: (deviceId: string, identifier: string) => all([[deviceShort, hashed(`${deviceId}:${identifier}`)], [deviceDay, hashed(`${deviceId}:${identifier}`)]]),
    /**
     * One text counts against each shop it is sent for and against the global budget — only when
     * all of them allow it (see chargeAll). Shops first: a shop over its cap touches nothing else.
     */
    smsBudget: (tenantIds: string[]) => chargeAll([...[...tenantIds].sort().map((t): [RateLimiterAbstract, string] => [smsTenant, t]), [smsGlobal, 'all']]),
    /** Gives back what smsBudget charged, for a text that did not go out after all. */
    refundSms: async (tenantIds: string[]) => {
      await Promise.all([...tenantIds.map((t) => smsTenant.reward(t, 1)), smsGlobal.reward('all', 1)]);
    },
    unknownEmailNotice: (email: string) => take(unknownNotice, hashed(email)),
    /**
     * A support recovery link: counted per agent (an hour) and per client (a day), only when both
     * allow it; a refusal charges neither. Says which limit refused, for the agent's explanation.
     */
    recoveryLink: async (agentId: string, clientKey: string): Promise<{ ok: true } | { ok: false; limit: 'agent' | 'client'; retryAfterSec: number; max: number }> => {
      const agent = await take(recoveryAgent, agentId);
      if (!agent.ok) {
        await recoveryAgent.reward(agentId, 1);
        return { ok: false, limit: 'agent', retryAfterSec: agent.retryAfterSec, max: L.recoveryPerAgentHour };
      }
      const client = await take(recoveryClient, clientKey);
      if (!client.ok) {
        await Promise.all([recoveryAgent.reward(agentId, 1), recoveryClient.reward(clientKey, 1)]);
        return { ok: false, limit: 'client', retryAfterSec: client.retryAfterSec, max: L.recoveryPerClientDay };
      }
      return { ok: true };
    },
    refundRecoveryLink: async (agentId: string, clientKey: string) => {
      await Promise.all([recoveryAgent.reward(agentId, 1), recoveryClient.reward(clientKey, 1)]);
    },
  };
}
export type Limits = ReturnType<typeof createLimits>;
