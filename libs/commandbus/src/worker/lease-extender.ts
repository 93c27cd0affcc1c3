// Keeps a message invisible while its handler runs longer than the lease:
// every half lease, the visibility timeout is pushed out by a whole lease.
import type { CommonQueryMethods } from 'slonik';
import type { Logger } from 'pino';
import { setVt } from '@commandbus/pgmq';

export interface LeaseExtension {
  stop(): void;
}

export function extendLeaseWhileRunning(
  db: CommonQueryMethods,
  input: { queue: string; msgId: number; visibilityTimeoutSeconds: number; logger: Logger },
): LeaseExtension {
  const { queue, msgId, visibilityTimeoutSeconds, logger } = input;
  const timer = setInterval(
    () => {
      setVt(db, { queue, msgId, vt: visibilityTimeoutSeconds }).catch((error: unknown) => {
        // The lease may lapse and the message be redelivered; the attempt check
        // at finish keeps that from committing a second time.
        logger.warn({ err: error, msgId }, 'could not extend lease');
      });
    },
    (visibilityTimeoutSeconds * 1000) / 2,
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
