// Remembers which PGMQ queues are known to exist, so creating or checking a
// queue costs one round trip per process, not one per command.
import type { CommonQueryMethods } from 'slonik';
import { InvalidInputError } from '@commandbus/commandbus-schema';
import { createQueue, listQueues, queueCommitted } from '@commandbus/pgmq';

export class QueueRegistry {
  readonly #pool: CommonQueryMethods;
  readonly #known = new Map<string, Promise<void>>();

  constructor(pool: CommonQueryMethods) {
    this.#pool = pool;
  }

  /**
   * Creates the queue unless this process already knows it exists. With
   * `connection` (a caller's open transaction, where slonik forbids touching
   * the pool) the work joins that transaction and is remembered only once the
   * queue is seen committed, since a queue the transaction creates may roll
   * back with it.
   */
  ensureCreated(queue: string, connection?: CommonQueryMethods): Promise<void> {
    return this.#check(queue, connection, (db) => createQueue(db, { queue }));
  }

  /** Fails with UNKNOWN_QUEUE when nobody created the queue. */
  assertExists(queue: string, connection?: CommonQueryMethods): Promise<void> {
    return this.#check(queue, connection, async (db) => {
      const queues = await listQueues(db);
      if (!queues.some((q) => q.queueName === queue)) {
        throw new InvalidInputError(
          'UNKNOWN_QUEUE',
          `queue ${JSON.stringify(queue)} does not exist`,
          {
            field: 'replyTo',
            value: queue,
          },
        );
      }
    });
  }

  #check(
    queue: string,
    connection: CommonQueryMethods | undefined,
    check: (db: CommonQueryMethods) => Promise<void>,
  ): Promise<void> {
    const known = this.#known.get(queue);
    if (known) return known;
    if (connection) return this.#checkInTransaction(queue, connection, check);
    // A failed check is forgotten, so the next call asks the database again.
    const checked = check(this.#pool).catch((error: unknown) => {
      this.#known.delete(queue);
      throw error;
    });
    this.#known.set(queue, checked);
    return checked;
  }

  /**
   * Without this, every send in a caller's transaction would run the check
   * again (pgmq.create is DDL, a round trip and catalog locks) for as long
   * as nobody used the pool path or setup().
   */
  async #checkInTransaction(
    queue: string,
    connection: CommonQueryMethods,
    check: (db: CommonQueryMethods) => Promise<void>,
  ): Promise<void> {
    if (await queueCommitted(connection, { queue })) {
      this.#known.set(queue, Promise.resolve());
      return;
    }
    await check(connection);
  }
}
