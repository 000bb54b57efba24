/**
 * A wake-up that is not lost: `wake()` before anyone waits makes the next `wait` return at once, so a notification
 * arriving while the worker was busy claiming is still acted on.
 */
export class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  /** Ends the current wait, or the next one if nobody waits. */
  wake(): void {
    if (this.resolve === undefined) {
      this.pending = true;
      return;
    }
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve();
  }

  /** Waits until `wake()` or `ms` milliseconds, whichever comes first. */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = undefined;
        resolve();
      }, ms);
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
