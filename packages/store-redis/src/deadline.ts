/**
 * A time limit on one awaited operation. node-redis bounds only the TCP connect (`socket.connectTimeout`); a
 * server that accepted the connection and then stops answering (hung, frozen with SIGSTOP, a black-holed
 * network) would keep the handshake or a command waiting forever, and the process alive with it.
 *
 * @packageDocumentation
 */

/** The operation given to {@link withDeadline} did not settle in time. */
export class DeadlineExceededError extends Error {
  /** Creates the error for a limit of `ms` milliseconds, set by the option named `limit`. */
  constructor(
    readonly ms: number,
    readonly limit: string,
  ) {
    super(`no answer within ${ms} ms (${limit})`);
    this.name = "DeadlineExceededError";
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with {@link DeadlineExceededError} after `ms` milliseconds (`limit`
 * names the setting, for the message). On expiry `onExpire` runs right after the rejection is decided, to tear down
 * whatever `work` waits on (so that the abandoned operation settles and leaves no handle open); `work`'s own late
 * result is ignored.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, limit: string, onExpire: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      // reject first: the teardown below rejects `work` too, and the caller must see the timeout, not that
      reject(new DeadlineExceededError(ms, limit));
      onExpire();
    }, ms);
  });
  work.catch(() => undefined); // once abandoned, nobody awaits it: its rejection must not go unhandled
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
