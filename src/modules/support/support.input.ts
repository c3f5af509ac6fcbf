import { z } from 'zod';

export const agentInput = z
  .object({
    name: z.string().trim().min(1, 'is required').max(120).regex(/^[^\p{Cc}]*$/u, 'must not contain line breaks'),
    email: z.string().trim().min(1, 'is required').max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address like ana@servicio.example'),
  })
  .strict();
export type AgentInput = z.input<typeof agentInput>;

/** Why a recovery link is issued: a category an auditor can count, and the agent's own words. */
export const REASON_CATEGORIES = {
  email_bounced: 'Email bounced',
  texts_blocked: 'Carrier blocks texts',
  lost_email: 'Lost access to email',
  lost_phone: 'Lost or changed phone',
  other: 'Something else',
} as const;
export type ReasonCategory = keyof typeof REASON_CATEGORIES;
