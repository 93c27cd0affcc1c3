// The worker: leases messages of one domain's command queue and runs up to
// `concurrency` handlers at once. Wakes on NOTIFY, polls as a fallback, and
// never spins on an empty queue.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { read } from '@commandbus/pgmq';
import type { CommandData, CommandDefinition } from '../command-definition.ts';
import { DEFAULTS } from '../defaults.ts';
import { ConfigError } from '../errors.ts';
import { defaultLogger } from '../logger.ts';
import { commandQueueName, notifyChannel } from '../names.ts';
import { QueueRegistry } from '../queue-registry.ts';
import { CompletionBatcher } from './completion-batcher.ts';
import { startDeliveries, type DeliverDeps, type DeliveryOutcome } from './deliver.ts';
import { HandlerSlots } from './handler-slots.ts';
import type { CommandHandler, RegisteredHandler } from './handler.ts';
import { listenConnectionOf } from './listen-connection.ts';
import { NotifyListener } from './notify-listener.ts';
import { nextBackoffMs } from './reconnect-backoff.ts';
import { Wakeup } from './wakeup.ts';
import {
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerOptions,
} from './worker-options.ts';

export type WorkerOutcomeCounts = Record<DeliveryOutcome, number>;

export class Worker {
  readonly domain: string;
  readonly queue: string;
  readonly #options: ResolvedWorkerOptions;
  readonly #logger: Logger;
  readonly #handlers = new Map<string, RegisteredHandler>();
  /** Every delivery not yet settled, finishing ones included: stop() waits for them. */
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #wakeup = new Wakeup();
  readonly #slots: HandlerSlots;
  readonly #shutdown = new AbortController();
  readonly #counts: WorkerOutcomeCounts = {
    completed: 0,
    canceled: 0,
    retry: 0,
    troubleshooting: 0,
    stale: 0,
    invalid: 0,
    abandoned: 0,
  };
  readonly #minimumRead: number;
  #listener: NotifyListener | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;

  constructor(options: WorkerOptions) {
    this.#options = resolveWorkerOptions(options);
    this.domain = this.#options.domain;
    this.queue = commandQueueName(this.domain);
    this.#minimumRead = Math.max(1, Math.floor(this.#options.concurrency / 4));
    this.#slots = new HandlerSlots(this.#options.concurrency, () => this.#wakeup.wake());
    this.#logger = (options.logger ?? defaultLogger()).child({ domain: this.domain });
  }

  /** Registers the handler of one command type; typed from its definition. */
  register<TData extends CommandData, TReply extends CommandData | void>(
    definition: CommandDefinition<TData, TReply>,
    handle: CommandHandler<TData, TReply>,
  ): this {
    if (this.#loop) throw new ConfigError('register handlers before start()');
    if (this.#handlers.has(definition.type)) {
      throw new ConfigError(`a handler for ${definition.type} is already registered`);
    }
    this.#handlers.set(definition.type, { definition, handle } as unknown as RegisteredHandler);
    return this;
  }

  /** How deliveries ended so far, by outcome. */
  get counts(): Readonly<WorkerOutcomeCounts> {
    return { ...this.#counts };
  }

  async start(): Promise<void> {
    if (this.#loop) throw new ConfigError('worker already started');
    const { pool } = this.#options;
    const queues = new QueueRegistry(pool);
    await queues.ensureCreated(this.queue);
    const connection = listenConnectionOf(pool);
    if (connection) {
      this.#listener = new NotifyListener({
        connection,
        channel: notifyChannel(this.domain),
        onNotify: () => this.#wakeup.wake(),
        logger: this.#logger,
        reconnectMinMs: DEFAULTS.reconnectMinMs,
        reconnectMaxMs: DEFAULTS.reconnectMaxMs,
      });
      await this.#listener.start();
    } else {
      this.#logger.warn(
        { pollIntervalMs: this.#options.pollIntervalMs },
        'the pool does not say how it connects: no LISTEN, the worker polls',
      );
    }
    const deps: DeliverDeps = {
      pool,
      domain: this.domain,
      queue: this.queue,
      handlers: this.#handlers,
      logger: this.#logger,
      visibilityTimeoutSeconds: this.#options.visibilityTimeoutSeconds,
      backoffSeconds: this.#options.backoffSeconds,
      extendLeases: this.#options.extendLeases,
      shutdownSignal: this.#shutdown.signal,
      replyQueues: queues,
      completions: new CompletionBatcher(pool, this.domain, this.queue),
      onBatchCompleted: this.#options.onBatchCompleted,
    };
    this.#loop = this.#leaseLoop(deps);
    this.#logger.info(
      { concurrency: this.#options.concurrency, handlers: [...this.#handlers.keys()] },
      'worker started',
    );
  }

  /**
   * Stops leasing, lets in-flight handlers finish within the grace period,
   * then aborts the rest: their messages are redelivered after the lease.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#wakeup.wake();
    await this.#loop;
    const drained = await Promise.race([
      Promise.allSettled([...this.#inFlight]).then(() => true),
      sleep(this.#options.shutdownGraceMs, false, { ref: false }),
    ]);
    if (!drained) {
      this.#logger.warn({ inFlight: this.#inFlight.size }, 'grace period over; aborting handlers');
      this.#shutdown.abort(new Error('worker shutting down'));
    }
    await this.#listener?.stop();
    this.#logger.info({ counts: this.#counts }, 'worker stopped');
  }

  async #leaseLoop(deps: DeliverDeps): Promise<void> {
    const { pool, visibilityTimeoutSeconds, pollIntervalMs } = this.#options;
    let errorDelay = 0;
    while (!this.#stopping) {
      const free = this.#slots.free;
      // While handlers run, read only once a quarter of the slots is free:
      // one read, one receive and one finishing group then serve several
      // commands, where topping up one slot at a time would cost a round of
      // statements per command. An idle worker reads at once.
      if (free <= 0 || (free < this.#minimumRead && this.#slots.taken > 0)) {
        await this.#wakeup.wait(pollIntervalMs);
        continue;
      }
      this.#wakeup.clear();
      let messages;
      try {
        messages = await read(pool, { queue: this.queue, vt: visibilityTimeoutSeconds, qty: free });
        errorDelay = 0;
      } catch (error) {
        errorDelay = nextBackoffMs(errorDelay, DEFAULTS.reconnectMinMs, DEFAULTS.reconnectMaxMs);
        this.#logger.error(
          { err: error, retryInMs: errorDelay },
          'cannot read the queue; retrying',
        );
        await this.#wakeup.wait(errorDelay);
        continue;
      }
      const leased = messages.map((message) => ({ message, slot: this.#slots.take() }));
      for (const started of startDeliveries(deps, leased)) {
        const delivery = started.then((outcome) => {
          this.#counts[outcome] += 1;
        });
        this.#inFlight.add(delivery);
        void delivery.finally(() => this.#inFlight.delete(delivery));
      }
      // An empty queue: sleep until a NOTIFY, a freed slot or the poll
      // interval. Otherwise go round at once: more may be waiting.
      if (messages.length === 0) await this.#wakeup.wait(pollIntervalMs);
    }
  }
}
