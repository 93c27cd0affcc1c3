// The worker's connection budget: at most `maxConnections` pool connections
// in use by one worker at once, whatever its concurrency. Handlers' `ctx.db`
// transactions hold theirs for the rest of the handler, so they may take all
// but two: the read and the batched finishes always find one, and handlers
// waiting for a connection cannot starve the pipeline that settles them.
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import { callQueryMethod, forwardQueryMethods } from './forward-query-methods.ts';

/** Connections the worker's own statements can always get, whatever handlers hold. */
const RESERVED_FOR_PIPELINE = 2;

interface Waiter {
  readonly forHandler: boolean;
  readonly grant: () => void;
}

export class ConnectionBudget {
  readonly max: number;
  readonly #handlerMax: number;
  readonly #waiting: Waiter[] = [];
  #held = 0;
  #heldByHandlers = 0;

  constructor(max: number) {
    this.max = max;
    this.#handlerMax = Math.max(1, max - RESERVED_FOR_PIPELINE);
  }

  /** Connections in use now. */
  get held(): number {
    return this.#held;
  }

  /**
   * The pool as the worker's statements see it: every query (or transaction)
   * first waits for a share of the budget. `forHandler`: a handler's `ctx.db`
   * transaction, which may not take the pipeline's reserve.
   */
  connection(pool: DatabasePool, options: { forHandler: boolean }): CommonQueryMethods {
    return forwardQueryMethods(async (name, args) => {
      const release = await this.#acquire(options.forHandler);
      try {
        return await callQueryMethod(pool, name, args);
      } finally {
        release();
      }
    });
  }

  #acquire(forHandler: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.#held += 1;
        if (forHandler) this.#heldByHandlers += 1;
        let held = true;
        resolve(() => {
          if (!held) return;
          held = false;
          this.#held -= 1;
          if (forHandler) this.#heldByHandlers -= 1;
          this.#grantWaiting();
        });
      };
      if (this.#waiting.length === 0 && this.#fits(forHandler)) grant();
      else {
        this.#waiting.push({ forHandler, grant });
        this.#grantWaiting();
      }
    });
  }

  #fits(forHandler: boolean): boolean {
    return this.#held < this.max && (!forHandler || this.#heldByHandlers < this.#handlerMax);
  }

  /** First come, first served, except that a handler over its share does not hold up the pipeline. */
  #grantWaiting(): void {
    for (let i = 0; i < this.#waiting.length && this.#held < this.max;) {
      const waiter = this.#waiting[i];
      if (waiter && this.#fits(waiter.forHandler)) {
        this.#waiting.splice(i, 1);
        waiter.grant();
      } else i += 1;
    }
  }
}
