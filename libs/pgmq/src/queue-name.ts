// PGMQ's queue-name rules, checked before any SQL runs so a bad name fails
// with a typed error instead of a database exception (or an injection).
import { InvalidQueueNameError } from './errors.ts';

/**
 * The longest name PGMQ accepts: its derived identifiers (`q_<name>`, index
 * and sequence names) must fit PostgreSQL's 63-byte limit. Counted in UTF-8
 * bytes, so a multi-byte name can never be truncated by PostgreSQL.
 */
export const MAX_QUEUE_NAME_LENGTH = 47;

// `$`, `;`, `--` and `'` could end a literal or start a comment in SQL built
// from the name; PGMQ rejects them, and so do we, earlier.
const FORBIDDEN = ['$', ';', '--', "'"] as const;

/** Returns the name when PGMQ would accept it; throws InvalidQueueNameError otherwise. */
export function validateQueueName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidQueueNameError(name, 'must be a string');
  if (name.length === 0) throw new InvalidQueueNameError(name, 'must not be empty');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_QUEUE_NAME_LENGTH) {
    throw new InvalidQueueNameError(
      name,
      `is ${bytes} bytes long; the maximum is ${MAX_QUEUE_NAME_LENGTH}`,
    );
  }
  const found = FORBIDDEN.find((sequence) => name.includes(sequence));
  if (found !== undefined) {
    throw new InvalidQueueNameError(name, `must not contain ${JSON.stringify(found)}`);
  }
  return name;
}
