// The handler's `db`: a transaction that opens on the handler's first query.
// A handler that writes gets its writes committed with its own finish; a
// handler that never touches `db` costs no transaction at all, and its finish
// can join a group of others (see completion-batcher.ts).
import type { CommonQueryMethods, DatabaseTransactionConnection } from 'slonik';
import { callQueryMethod, forwardQueryMethods } from './forward-query-methods.ts';

export class LazyTransaction {
  readonly #pool: Pick<CommonQueryMethods, 'transaction'>;
  #transaction: Promise<DatabaseTransactionConnection> | undefined;
  #outcome: Promise<unknown> | undefined;
  #close: { resolve: (value: unknown) => void; reject: (error: unknown) => void } | undefined;

  /** What the handler sees: every query method opens the transaction first. */
  readonly connection: CommonQueryMethods;

  constructor(pool: Pick<CommonQueryMethods, 'transaction'>) {
    this.#pool = pool;
    this.connection = forwardQueryMethods(async (name, args) =>
      callQueryMethod(await this.#open(), name, args),
    );
  }

  /** Whether the handler opened the transaction. */
  get used(): boolean {
    return this.#transaction !== undefined;
  }

  /** Runs `work` in the (opened) transaction and commits both; rolls back if `work` throws. */
  async commit<T>(work: (tx: DatabaseTransactionConnection) => Promise<T>): Promise<T> {
    const tx = await this.#open();
    try {
      this.#close?.resolve(await work(tx));
    } catch (error) {
      this.#close?.reject(error);
    }
    return (await this.#outcome) as T;
  }

  /** Rolls the transaction back, if it was opened; resolves once it is. */
  async rollback(reason: unknown): Promise<void> {
    if (!this.#transaction) return;
    this.#close?.reject(reason);
    await this.#outcome?.catch(() => undefined);
  }

  #open(): Promise<DatabaseTransactionConnection> {
    this.#transaction ??= new Promise((resolveTransaction, rejectTransaction) => {
      const closed = new Promise<unknown>((resolve, reject) => {
        this.#close = { resolve, reject };
      });
      // When the transaction cannot open (the database is away), slonik never
      // receives `closed`, and the rollback that follows would reject it
      // unobserved: an unhandled rejection, which ends the worker process.
      closed.catch(() => undefined);
      // Retry limit 0: slonik would otherwise re-run this callback on a
      // serialization failure, and the handler has already run once.
      this.#outcome = this.#pool.transaction(async (tx) => {
        resolveTransaction(tx);
        return closed;
      }, 0);
      this.#outcome.catch(rejectTransaction);
    });
    return this.#transaction;
  }
}
