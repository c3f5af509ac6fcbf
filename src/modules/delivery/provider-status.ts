// What providers tell us after they accepted a message: Twilio status callbacks and email
// bounce/complaint webhooks. Recorded once per provider event, never moving a status backwards,
// with the provider's code turned into plain words for the shop owner.
import type { Kysely } from 'kysely';
import type { DB, DeliveryStatus } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { maskIdentifier } from '../../lib/mask.ts';
import { auditRepo, perShop } from '../audit/audit.repo.ts';
import { deliveryEventsRepo } from './delivery-events.repo.ts';
import { outboxRepo } from './outbox.repo.ts';

/** Twilio error codes an owner is likely to meet, in words they can act on. */
export const twilioReasons: Record<string, string> = {
  '30001': 'Twilio’s queue was full; the text was not sent. Try again in a few minutes.',
  '30002': 'The shop’s SMS account is suspended. Contact Servicio support.',
  '30003': 'The phone was off or out of coverage and the carrier gave up. Ask the client to check their phone, or send by email.',
  '30004': 'The recipient or their carrier blocked this text. Send by email instead.',
  '30005': 'The carrier says this number does not exist or is no longer in service. Check the number on file.',
  '30006': 'This number is a landline or cannot receive texts. Check the number, or send by email.',
  '30007': 'The carrier filtered the text as possible spam. Send by email instead; if it keeps happening, contact support.',
  '30008': 'The carrier rejected the text without saying why. Try again later or send by email.',
  '30034': 'The sending number is not registered for texting in the US (10DLC). Contact Servicio support.',
  '21211': 'The number on file is not a valid phone number. Correct it in the client’s details.',
  '21408': 'Texting to this country is not enabled for the sending account.',
  '21610': 'The client replied STOP to our texts, so carriers block further texts until they reply START. Send by email.',
  '21614': 'The number on file is not a mobile number and cannot receive texts.',
};

export function twilioReason(code: string | null | undefined): string | null {
  if (!code) return null;
  return twilioReasons[code] ?? `The carrier reported error ${code}. Try again later or send by the other channel.`;
}

const RANK: Record<DeliveryStatus, number> = { sent: 1, delivered: 2, undelivered: 3, failed: 3, bounced: 3, complained: 4 };

export interface ProviderStatus {
  /** Our message id when the provider echoes it (Twilio callback URL), else null. */
  messageId: string | null;
  providerId: string;
  status: DeliveryStatus | null;
  /** The provider's own name for the event, recorded as is. */
  event: string;
  errorCode?: string | null;
  reason?: string | null;
  /** Identifies this event at the provider: a replay with the same key is recorded once. */
  providerEvent: string;
}

export function createProviderStatus(deps: { db: Kysely<DB>; clock: Clock }) {
  return {
    async apply(s: ProviderStatus): Promise<'recorded' | 'duplicate' | 'unknown'> {
      return deps.db.transaction().execute(async (trx) => {
        const outbox = outboxRepo(trx);
        const found = s.messageId ? await outbox.byId(s.messageId) : await outbox.byProviderId(s.providerId);
        if (!found) return 'unknown';
        let m = found;
        // A callback can beat the worker's own "sent" record; the URL names the message, so adopt the id.
        if (s.messageId && m.provider_id === null) {
          await outbox.setProviderId(m.id, s.providerId);
          m = { ...m, provider_id: s.providerId };
        }
        if (m.provider_id !== s.providerId) return 'unknown';
        const at = deps.clock.now();
        const fresh = await deliveryEventsRepo(trx).record({
          messageId: m.id,
          kind: `provider:${s.event}`,
          detail: s.reason ?? null,
          errorCode: s.errorCode ?? null,
          providerEvent: s.providerEvent,
          at,
        });
        if (!fresh) return 'duplicate';
        const forward = s.status && (!m.delivery_status || RANK[s.status] > RANK[m.delivery_status]);
        if (forward) await outbox.setDeliveryStatus(m.id, s.status!, s.errorCode ?? null, s.reason ?? null, at);
        if (forward && s.status !== 'sent') {
          const tenants = await outbox.tenantsOf(m);
          const base = {
            actor: 'system' as const,
            action: `delivery.${s.status}`,
            subjectId: m.login_request_id ?? m.id,
            data: {
              message: m.id,
              channel: m.channel,
              to: maskIdentifier(m.channel === 'sms' ? 'phone' : 'email', m.to_address),
              ...(s.errorCode ? { errorCode: s.errorCode } : {}),
              ...(s.reason ? { reason: s.reason } : {}),
            },
            at,
          };
          await auditRepo(trx).record(...perShop(base, tenants));
        }
        return 'recorded';
      });
    },
  };
}
export type ProviderStatusService = ReturnType<typeof createProviderStatus>;
