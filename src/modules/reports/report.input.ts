// What a service report is made of when the shop's system sends one.
import { z } from 'zod';
import { calendarDate, externalId } from '../../lib/validate.ts';

export const reportInput = z
  .object({
    clientExternalId: externalId,
    serviceDate: calendarDate,
    technician: z.string().trim().min(1).max(120),
    title: z.string().trim().min(1).max(120).default('Service visit'),
    notes: z.string().max(10_000).default(''),
    checklist: z.array(z.object({ item: z.string().trim().min(1).max(200), done: z.boolean() }).strict()).max(200).default([]),
    photos: z.array(z.url({ protocol: /^https$/ })).max(50).default([]),
  })
  .strict();
export type ReportInput = z.output<typeof reportInput>;
