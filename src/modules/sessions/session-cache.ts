// A short-lived, in-process cache of session rows for the per-request check.
// Revocation is honoured: everything this process changes (logout, sign-out everywhere, a shop's
// session length or status, a client disabled) clears the affected entries at once; a change made
// by another process or instance is seen after at most `ttlMs`. `ttlMs = 0` turns it off.
// The secret is still hashed and compared on every request: the cache never skips that check.
import type { SessionForValidation } from './sessions.repo.ts';

export function createSessionCache(o: { ttlMs: number; max?: number; now?: () => number }) {
  const max = o.max ?? 10_000;
  const now = o.now ?? (() => performance.now());
  const entries = new Map<string, { row: SessionForValidation; at: number }>();
  // Bumped by every delete/clear: a lookup that started before a revocation must not re-cache
  // the row it read (on PostgreSQL the lookup is asynchronous and can straddle a logout).
  let generation = 0;
  return {
    get generation() {
      return generation;
    },
    get(id: string): SessionForValidation | undefined {
      if (o.ttlMs <= 0) return undefined;
      const e = entries.get(id);
      if (!e) return undefined;
      if (now() - e.at > o.ttlMs) {
        entries.delete(id);
        return undefined;
      }
      return e.row;
    },
    set(id: string, row: SessionForValidation, readAtGeneration = generation): void {
      if (o.ttlMs <= 0 || readAtGeneration !== generation) return;
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(id, { row, at: now() });
    },
    delete(id: string): void {
      generation++;
      entries.delete(id);
    },
    /** After any change that can end sessions (a client's or shop's status or settings). */
    clear(): void {
      generation++;
      entries.clear();
    },
  };
}
export type SessionCache = ReturnType<typeof createSessionCache>;
