import type { z } from 'zod';
import { AppError } from './app-error.ts';

/** Validates with zod and turns the first problem into a clear AppError naming the field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || undefined;
  throw new AppError('INVALID_INPUT', field ? `${field}: ${issue.message}` : issue.message, 400, field);
}
