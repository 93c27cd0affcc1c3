// The producer's wake-up for workers LISTENing on a domain's channel.
import { sql, type CommonQueryMethods } from 'slonik';
import { CHANNEL_PATTERN, ruleViolation } from '../validation.ts';

export interface NotifyWorkersInput {
  /** `commandbus_<domain>`. */
  readonly channel: string;
  readonly payload?: string;
}

/**
 * pg_notify is transactional: inside the sender's transaction the wake-up is
 * delivered only if the commands commit, and notifications with equal
 * payloads in one transaction are folded into one.
 */
export async function notifyWorkers(
  db: CommonQueryMethods,
  input: NotifyWorkersInput,
): Promise<void> {
  if (typeof input.channel !== 'string' || !CHANNEL_PATTERN.test(input.channel)) {
    throw ruleViolation(
      'INVALID_ARGUMENT',
      'channel',
      `must match ${CHANNEL_PATTERN.source}`,
      input.channel,
    );
  }
  if (input.payload !== undefined && typeof input.payload !== 'string') {
    throw ruleViolation('INVALID_ARGUMENT', 'payload', 'must be a string', input.payload);
  }
  await db.query(sql.unsafe`SELECT pg_notify(${input.channel}, ${input.payload ?? ''})`);
}
