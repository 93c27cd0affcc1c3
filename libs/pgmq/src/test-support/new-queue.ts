// Test helper: a fresh queue for each test, so no test sees another's messages
// and the tests of a file can run in any order.
import type { TestDatabase } from '@commandbus/testing';
import { createQueue } from '../queue-admin.ts';

/** Returns a function that creates `<prefix>_1`, `<prefix>_2`, … and returns its name. */
export function queueMaker(db: () => TestDatabase, prefix: string): () => Promise<string> {
  let queues = 0;
  return async () => {
    const queue = `${prefix}_${++queues}`;
    await createQueue(db().pool, { queue });
    return queue;
  };
}
