// Statements with many rows or many IN values stay under the bound-parameter limits of both
// stores: SQLite's 32,766 (SQLITE_MAX_VARIABLE_NUMBER since 3.32) and PostgreSQL's 65,535.

/** Bound parameters one statement may carry: under SQLite's limit, with room for a few more. */
export const MAX_BOUND_PARAMETERS = 32_000;

/** `items` cut into runs of at most MAX_BOUND_PARAMETERS / `paramsEach` (at least one each). */
export function inBatches<T>(items: readonly T[], paramsEach: number, reserved = 0): T[][] {
  const size = Math.max(1, Math.floor((MAX_BOUND_PARAMETERS - reserved) / paramsEach));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
