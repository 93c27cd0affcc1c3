// The worker: reads one domain's command queue ahead of its handlers (up to
// `prefetch` received commands wait, their leases kept) and runs up to
// `concurrency` handlers at once, on at most `maxConnections` pool
// connections. Wakes on NOTIFY, polls as a fallback, and never spins on an
// empty queue.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { CommandData, CommandDefinition } from '../command-definition.ts';
import { DEFAULTS } from '../defaults.ts';
import { ConfigError } from '../errors.ts';
import { defaultLogger } from '../logger.ts';
import { commandQueueName, notifyChannel } from '../names.ts';
import {
  commandBusMetrics,
  type CommandBusMetrics,
  type WorkerGaugeSource,
} from '../observability/metrics.ts';
import { MetricsServer } from '../observability/metrics-server.ts';
import { readinessChecks } from '../observability/readiness-checks.ts';
import { traceReceive } from '../observability/tracing.ts';
import { DomainGaugeSampler } from '../observability/sample-domain-gauges.ts';
import { WorkerMetrics } from '../observability/worker-metrics.ts';
import { QueueRegistry } from '../queue-registry.ts';
import { CompletionBatcher } from './completion-batcher.ts';
import { ConnectionBudget } from './connection-budget.ts';
import { execute } from './execute.ts';
import type { CommandHandler, RegisteredHandler } from './handler.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { listenConnectionOf } from './listen-connection.ts';
import { NotifyListener } from './notify-listener.ts';
import { receive, type ReadyDelivery } from './receive.ts';
import { nextBackoffMs } from './reconnect-backoff.ts';
import { guard, releaseUnstarted } from './settle.ts';
import { Wakeup } from './wakeup.ts';
import type { DeliveryOutcome, WorkerContext } from './worker-context.ts';
import {
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerOptions,
} from './worker-options.ts';

/**
 * A buffered command is started only while this much of its lease is left:
 * past it, the lease may lapse before the handler's first extension.
 */
const START_MARGIN_MS = 250;

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
  readonly #shutdown = new AbortController();
  readonly #counts: WorkerOutcomeCounts = {
    completed: 0,
    canceled: 0,
    failed: 0,
    retry: 0,
    troubleshooting: 0,
    stale: 0,
    invalid: 0,
    abandoned: 0,
    released: 0,
  };
  /** Received commands waiting for a handler slot, oldest first. */
  #ready: ReadyDelivery[] = [];
  /** Handlers holding a slot (running, or finishing without a group to join). */
  #running = 0;
  #context: WorkerContext | undefined;
  #listener: NotifyListener | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  readonly #metrics: CommandBusMetrics | undefined;
  #gaugeSource: WorkerGaugeSource | undefined;
  #metricsServer: MetricsServer | undefined;
  #metricsUrl: string | undefined;

  constructor(options: WorkerOptions) {
    this.#options = resolveWorkerOptions(options);
    this.domain = this.#options.domain;
    this.queue = commandQueueName(this.domain);
    this.#logger = (options.logger ?? defaultLogger()).child({ domain: this.domain });
    const metrics = this.#options.metrics;
    if (metrics) this.#metrics = commandBusMetrics(metrics.registry ?? new Registry());
  }

  /** The registry the worker's metrics are in; undefined without the `metrics` option. */
  get metricsRegistry(): Registry | undefined {
    return this.#metrics?.registry;
  }

  /** Where `/metrics`, `/healthz` and `/readyz` are served once started with `metrics.port`. */
  get metricsUrl(): string | undefined {
    return this.#metricsUrl;
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
    const options = this.#options;
    const budget = new ConnectionBudget(options.maxConnections);
    const db = budget.connection(options.pool, { forHandler: false });
    const queues = new QueueRegistry(db);
    await queues.ensureCreated(this.queue);
    const connection = listenConnectionOf(options.pool);
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
        { pollIntervalMs: options.pollIntervalMs },
        'the pool does not say how it connects: no LISTEN, the worker polls',
      );
    }
    const leases = new LeaseKeeper({
      db,
      queue: this.queue,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      logger: this.#logger,
    });
    leases.start();
    this.#context = {
      domain: this.domain,
      queue: this.queue,
      db,
      handlerDb: budget.connection(options.pool, { forHandler: true }),
      handlers: this.#handlers,
      options,
      logger: this.#logger,
      shutdownSignal: this.#shutdown.signal,
      replyQueues: queues,
      completions: new CompletionBatcher(db, this.domain, this.queue),
      leases,
      metrics: this.#metrics && new WorkerMetrics(this.#metrics, this.domain),
    };
    await this.#startMetrics(this.#context);
    this.#loop = this.#readLoop(this.#context);
    this.#logger.info(
      {
        concurrency: options.concurrency,
        prefetch: options.prefetch,
        maxConnections: options.maxConnections,
        handlers: [...this.#handlers.keys()],
      },
      'worker started',
    );
  }

  /**
   * Stops reading and hands back the commands that never started (PENDING
   * again, attempt taken back, message visible at once). Lets running
   * handlers finish within the grace period, then aborts the rest: their
   * messages are redelivered after the lease.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#wakeup.wake();
    await this.#loop;
    const context = this.#context;
    if (context) await this.#releaseReady(context);
    const drained = await Promise.race([
      Promise.allSettled([...this.#inFlight]).then(() => true),
      sleep(this.#options.shutdownGraceMs, false, { ref: false }),
    ]);
    if (!drained) {
      this.#logger.warn({ inFlight: this.#inFlight.size }, 'grace period over; aborting handlers');
      this.#shutdown.abort(new Error('worker shutting down'));
    }
    context?.leases.stop();
    await this.#listener?.stop();
    if (this.#gaugeSource) this.#metrics?.removeWorker(this.#gaugeSource);
    await this.#metricsServer?.stop();
    this.#logger.info({ counts: this.#counts }, 'worker stopped');
  }

  async #startMetrics(ctx: WorkerContext): Promise<void> {
    const options = this.#options.metrics;
    if (!this.#metrics || !options) return;
    const sampler = new DomainGaugeSampler({
      db: ctx.db,
      domain: this.domain,
      queue: this.queue,
      intervalMs: options.sampleIntervalMs,
      logger: this.#logger,
    });
    this.#gaugeSource = {
      domain: this.domain,
      handlerSlots: this.#options.concurrency,
      handlerSlotsInUse: () => this.#running,
      prefetchBuffer: () => this.#ready.length,
      domainGauges: () => sampler.sample(),
    };
    this.#metrics.addWorker(this.#gaugeSource);
    if (options.port === undefined) return;
    this.#metricsServer = new MetricsServer({
      registry: this.#metrics.registry,
      port: options.port,
      host: options.host,
      checks: readinessChecks({
        db: ctx.db,
        listener: this.#listener,
        leases: ctx.leases,
        timeoutMs: DEFAULTS.readinessTimeoutMs,
      }),
      logger: this.#logger,
    });
    this.#metricsUrl = await this.#metricsServer.start();
    this.#logger.info({ url: this.#metricsUrl }, 'metrics and health endpoints listening');
  }

  async #readLoop(ctx: WorkerContext): Promise<void> {
    const { concurrency, prefetch, pollIntervalMs } = this.#options;
    const capacity = concurrency + prefetch;
    // While commands are held, read only once a quarter of the capacity is
    // free: one read then serves many commands, where topping up one at a
    // time would cost a round trip per command. An idle worker reads at once.
    const minimumRead = Math.max(1, Math.floor(capacity / 4));
    let errorDelay = 0;
    while (!this.#stopping) {
      const held = this.#ready.length + this.#running;
      const room = capacity - held;
      // Nor while every handler slot is taken: handlers that all hang must
      // not keep commands other workers could run, nor take back the message
      // of a handler that outlived its lease.
      const slotFree = this.#running < concurrency;
      if (room <= 0 || !slotFree || (room < minimumRead && held > 0)) {
        await this.#wakeup.wait(pollIntervalMs);
        continue;
      }
      this.#wakeup.clear();
      let result;
      try {
        result = await traceReceive(this.queue, () => receive(ctx, room));
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
      for (const settling of result.settling) this.#track(settling);
      for (const ready of result.ready) this.#ready.push(ready);
      this.#startReady(ctx);
      // An empty queue: sleep until a NOTIFY, a freed slot or the poll
      // interval. Otherwise go round at once: more may be waiting.
      if (result.read === 0) await this.#wakeup.wait(pollIntervalMs);
    }
  }

  /** Starts buffered commands while handler slots are free. */
  #startReady(ctx: WorkerContext): void {
    while (!this.#stopping && this.#running < this.#options.concurrency) {
      const ready = this.#ready.shift();
      if (!ready) return;
      const { msgId } = ready.delivery;
      if (!ctx.leases.holds(msgId, START_MARGIN_MS)) {
        // Only an event loop stalled for most of a lease gets here: the
        // message may be another delivery's by now, so its handler must not
        // run. It comes back when the lease ends.
        ctx.leases.release(msgId);
        ready.logger().warn({ msgId }, 'lease ran out before the handler started; not run');
        this.#track(Promise.resolve('abandoned'), ready.delivery.commandType);
        continue;
      }
      this.#running += 1;
      let held = true;
      const releaseSlot = (): void => {
        if (!held) return;
        held = false;
        this.#running -= 1;
        this.#startReady(ctx);
        this.#wakeup.wake();
      };
      this.#track(execute(ctx, ready, releaseSlot), ready.delivery.commandType);
    }
  }

  async #releaseReady(ctx: WorkerContext): Promise<void> {
    const unstarted = this.#ready.splice(0);
    if (unstarted.length === 0) return;
    const released = await guard(ctx, unstarted[0]?.delivery.msgId ?? 0, async () => {
      await releaseUnstarted(
        ctx,
        unstarted.map((ready) => ready.delivery),
      );
      return 'released';
    });
    for (const ready of unstarted) {
      ctx.leases.release(ready.delivery.msgId);
      this.#counts[released] += 1;
      ctx.metrics?.finished(ready.delivery.commandType, released);
    }
  }

  /** `commandType` is empty for deliveries settled before their type was checked. */
  #track(settling: Promise<DeliveryOutcome>, commandType = ''): void {
    const counted = settling.then((outcome) => {
      this.#counts[outcome] += 1;
      this.#context?.metrics?.finished(commandType, outcome);
    });
    this.#inFlight.add(counted);
    void counted.finally(() => this.#inFlight.delete(counted));
  }
}
