// Calls made in the same turn of the event loop, answered by one call that takes them all: the 50
// jobs of a worker batch, each reading its own login row, make one query instead of 50. Nothing is
// cached — a call in a later turn reads again — so what a caller gets is as fresh as a query of its
// own would have been.

/** `many` gets every argument of one turn and returns one result per argument, in their order. */
export function coalesce<A, R>(many: (args: A[]) => Promise<R[]>): (arg: A) => Promise<R> {
  let pending: { arg: A; resolve(r: R): void; reject(e: unknown): void }[] = [];

  async function run(calls: typeof pending): Promise<void> {
    try {
      const results = await many(calls.map((c) => c.arg));
      calls.forEach((c, i) => c.resolve(results[i]!));
    } catch (err) {
      for (const c of calls) c.reject(err);
    }
  }

  return (arg) =>
    new Promise<R>((resolve, reject) => {
      if (pending.length === 0) {
        setImmediate(() => {
          const calls = pending;
          pending = [];
          void run(calls);
        });
      }
      pending.push({ arg, resolve, reject });
    });
}
