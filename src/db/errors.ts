/** A unique index refused an insert (two writers created the same thing at the same moment). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Runs an idempotent upsert; if a parallel twin inserted first, runs it again (now as an update). */
export async function retryOnUniqueViolation<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return upsert();
  }
}
