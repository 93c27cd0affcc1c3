// What an idle worker loop waits on: a NOTIFY, the poll timer, or shutdown.
// A wake-up that arrives while the loop is busy reading is remembered, so the
// loop never sleeps through work that was announced a moment earlier.
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** Called on NOTIFY, on a freed handler slot and on shutdown. */
  wake(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  /** Forget earlier wake-ups: the caller is about to look at the queue itself. */
  clear(): void {
    this.#pending = false;
  }

  /** Resolves on the next wake-up (at once if one is pending) or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#resolve = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#resolve = done;
    });
  }
}
