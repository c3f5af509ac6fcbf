import { z } from 'zod';
import { AppError } from './app-error.ts';

/** Validates with zod and turns the first problem into a clear AppError naming the field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || undefined;
  throw new AppError('INVALID_INPUT', field ? `${field}: ${issue.message}` : issue.message, 400, field);
}

/** A real calendar date written YYYY-MM-DD. */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-11-25')
  .refine((v) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return true; // the shape problem is reported once, above
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'must be a real calendar date');

/** Ids the shop's own system gives its objects (idempotent writes are keyed on them). */
export const externalId = z.string().min(1).max(120).regex(/^[A-Za-z0-9._:-]+$/, 'may contain letters, digits and . _ : - only');
