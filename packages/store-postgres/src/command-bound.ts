/**
 * A client-side bound on one statement, for a server that does not answer at all (frozen, hung, a half-dead proxy):
 * the server's `statement_timeout` cancels a statement that runs too long, but only a server that runs can do that.
 *
 * @packageDocumentation
 */

/** How much longer than `commandTimeoutMs` the client waits, so that the server's own cancel normally comes first. */
export const CLIENT_BOUND_MARGIN_MS = 1000;

/**
 * Settles like `work`, or rejects with what `onExpiry()` returns after `boundMs`. The statement itself is left
 * running (postgres.js cannot abandon one): `onExpiry` drops the connections it may hold.
 */
export async function withinBound<T>(work: Promise<T>, boundMs: number, onExpiry: () => unknown): Promise<T> {
  // After the bound, `work` may still reject (its connection dropped): nobody awaits it then.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onExpiry()), boundMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
