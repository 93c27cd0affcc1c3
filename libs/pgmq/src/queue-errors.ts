// Turns PGMQ's report of a missing queue into QueueNotFoundError. PGMQ has no
// error of its own for it: the function's dynamic statement fails with
// undefined_table (42P01) on pgmq.q_<name>. Every other error passes through.
import { QueueNotFoundError } from './errors.ts';

const UNDEFINED_TABLE = '42P01';

export async function onQueue<T>(queue: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (hasSqlState(error, UNDEFINED_TABLE)) throw new QueueNotFoundError(queue, { cause: error });
    throw error;
  }
}

// slonik may wrap the driver's error, so look down the cause chain too.
function hasSqlState(error: unknown, sqlState: string): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === sqlState) return true;
    current = current.cause;
  }
  return false;
}
