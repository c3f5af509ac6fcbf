import { z } from 'zod';

export const staffInput = z
  .object({
    name: z.string().trim().min(1, 'is required').max(120).regex(/^[^\p{Cc}]*$/u, 'must not contain line breaks'),
    email: z.string().trim().min(1, 'is required').max(254),
    role: z.enum(['owner', 'staff']).default('staff').describe('owner: everything; staff: clients, messages and the audit log, no settings or API keys'),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .strict();
export type StaffInput = z.input<typeof staffInput>;
