// Keeps the leases of every message the worker holds, buffered or running, in
// one statement per round: every quarter lease, the leases with less than half
// a lease left are pushed out by a whole one. A buffered message's lease is
// always kept (it must never lapse before its handler starts); a running
// one's only when the worker extends leases.
//
// Deadlines are taken on this process's clock from the moment just before
// the statement that set them was sent: PostgreSQL set the lease later than
// that, so the lease ends no earlier than the deadline we keep.
import type { CommonQueryMethods } from 'slonik';
import type { Logger } from 'pino';
import { extendLeases } from '@commandbus/commandbus-schema';

interface HeldLease {
  expiresAt: number;
  keep: boolean;
}

export class LeaseKeeper {
  readonly #db: CommonQueryMethods;
  readonly #queue: string;
  readonly #leaseMs: number;
  readonly #vt: number;
  readonly #logger: Logger;
  readonly #held = new Map<number, HeldLease>();
  #timer: NodeJS.Timeout | undefined;
  #extending = false;
  /** When a round last began or ended: readiness checks that rounds keep coming. */
  #lastRoundAt = performance.now();

  constructor(options: {
    db: CommonQueryMethods;
    queue: string;
    visibilityTimeoutSeconds: number;
    logger: Logger;
  }) {
    this.#db = options.db;
    this.#queue = options.queue;
    this.#vt = options.visibilityTimeoutSeconds;
    this.#leaseMs = options.visibilityTimeoutSeconds * 1000;
    this.#logger = options.logger;
  }

  start(): void {
    this.#lastRoundAt = performance.now();
    this.#timer = setInterval(() => void this.#extendDue(), this.#leaseMs / 4);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** A message leased by a statement sent at `leasedAt` (performance.now()). */
  hold(msgId: number, leasedAt: number, keep: boolean): void {
    this.#held.set(msgId, { expiresAt: leasedAt + this.#leaseMs, keep });
  }

  /** Whether the lease is kept from now on (a running handler's, when leases are extended). */
  keep(msgId: number, keep: boolean): void {
    const lease = this.#held.get(msgId);
    if (lease) lease.keep = keep;
  }

  release(msgId: number): void {
    this.#held.delete(msgId);
  }

  /** True while at least `marginMs` of the lease is left. */
  holds(msgId: number, marginMs: number): boolean {
    const lease = this.#held.get(msgId);
    return lease !== undefined && lease.expiresAt - performance.now() > marginMs;
  }

  /**
   * Why the lease rounds are stalled, or undefined when they are not: no
   * round for half a lease (an event loop blocked that long) or one statement
   * that has not returned for as long. Either way leases may lapse.
   */
  stalled(): string | undefined {
    const sinceMs = performance.now() - this.#lastRoundAt;
    if (sinceMs <= this.#leaseMs / 2) return undefined;
    return this.#extending
      ? `lease extension running for ${Math.round(sinceMs)} ms`
      : `no lease round for ${Math.round(sinceMs)} ms`;
  }

  async #extendDue(): Promise<void> {
    if (this.#extending) return;
    const sentAt = performance.now();
    this.#lastRoundAt = sentAt;
    const due = [...this.#held]
      .filter(([, lease]) => lease.keep && lease.expiresAt - sentAt < this.#leaseMs / 2)
      .map(([msgId]) => msgId);
    if (due.length === 0) return;
    this.#extending = true;
    try {
      const extended = await extendLeases(this.#db, {
        queue: this.#queue,
        msgIds: due,
        vt: this.#vt,
      });
      for (const msgId of extended) {
        const lease = this.#held.get(msgId);
        if (lease) lease.expiresAt = sentAt + this.#leaseMs;
      }
    } catch (error) {
      // The leases may lapse and the messages be read again; the ownership
      // check at every finish keeps a second delivery from committing twice.
      this.#logger.warn({ err: error, messages: due.length }, 'could not extend leases');
    } finally {
      this.#extending = false;
      this.#lastRoundAt = performance.now();
    }
  }
}
