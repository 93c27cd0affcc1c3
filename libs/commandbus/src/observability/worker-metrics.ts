// What a worker reports to its metrics, one call per event: a delivery
// received, a handler started and returned, a delivery settled. Labels are the
// domain, command type and outcome only: never an id.
import type { CommandBusMetrics } from './metrics.ts';

/** One handler run's clock: handler duration, then time to finish. */
export interface DeliveryTimer {
  /** The handler returned or threw. */
  handlerEnded(): void;
  /** The delivery settled with `outcome` (observed once; later calls do nothing). */
  settled(outcome: string): void;
}

export class WorkerMetrics {
  readonly #metrics: CommandBusMetrics;
  readonly #domain: string;

  constructor(metrics: CommandBusMetrics, domain: string) {
    this.#metrics = metrics;
    this.#domain = domain;
  }

  received(commandType: string): void {
    this.#metrics.received.inc({ domain: this.#domain, command_type: commandType });
  }

  /** A delivery settled; `commandType` is empty when it ended before its type was known. */
  finished(commandType: string, outcome: string): void {
    this.#metrics.finished.inc({ domain: this.#domain, command_type: commandType, outcome });
  }

  /**
   * A handler starts now for a command sent at `createdAt` (ISO 8601): the
   * queue wait is observed at once, the rest through the timer.
   */
  handlerStarting(commandType: string, createdAt: string): DeliveryTimer {
    const labels = { domain: this.#domain, command_type: commandType };
    const sentAt = Date.parse(createdAt);
    // Wall clocks of the producer's host and this one: a skew can make the
    // wait look negative, which a histogram must not be given.
    if (Number.isFinite(sentAt)) {
      this.#metrics.queueWait.observe(labels, Math.max(0, (Date.now() - sentAt) / 1000));
    }
    const startedAt = performance.now();
    const metrics = this.#metrics;
    let handlerEnded = false;
    let settled = false;
    return {
      handlerEnded() {
        if (handlerEnded) return;
        handlerEnded = true;
        metrics.handlerDuration.observe(labels, (performance.now() - startedAt) / 1000);
      },
      settled(outcome) {
        if (settled || !Number.isFinite(sentAt)) return;
        settled = true;
        metrics.timeToFinish.observe(
          { ...labels, outcome },
          Math.max(0, (Date.now() - sentAt) / 1000),
        );
      },
    };
  }
}
