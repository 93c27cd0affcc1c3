// The command bus's Prometheus metrics (docs/observability.md): one set per
// prom-client registry, shared by every producer, worker and operator that is
// given that registry, so two of them never register a metric twice.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DomainGauges } from './sample-domain-gauges.ts';

/** Where a producer or operator reports its metrics (docs/observability.md). */
export interface MetricsOptions {
  /** The prom-client registry; a worker given the same one shares its metrics. */
  readonly registry: Registry;
}

/** A running worker's gauges: its own state, and its domain's sampled from the database. */
export interface WorkerGaugeSource {
  readonly domain: string;
  readonly handlerSlots: number;
  handlerSlotsInUse(): number;
  prefetchBuffer(): number;
  /**
   * The domain's database gauges, at most one query per sample interval;
   * undefined when the sample failed (the sampler logs why).
   */
  domainGauges(): Promise<DomainGauges | undefined>;
}

/** Seconds buckets from a few milliseconds (a handler) to hours (a command waiting for a retry). */
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400,
];

const QUEUE_STATES = ['visible', 'leased', 'delayed'] as const;

const byRegistry = new WeakMap<Registry, CommandBusMetrics>();

/** The command bus's metrics in `registry`, registered on first use. */
export function commandBusMetrics(registry: Registry): CommandBusMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = new CommandBusMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

export class CommandBusMetrics {
  readonly registry: Registry;
  readonly sent: Counter<'domain' | 'command_type'>;
  readonly received: Counter<'domain' | 'command_type'>;
  readonly finished: Counter<'domain' | 'command_type' | 'outcome'>;
  readonly operatorActions: Counter<'domain' | 'action'>;
  readonly handlerDuration: Histogram<'domain' | 'command_type'>;
  readonly queueWait: Histogram<'domain' | 'command_type'>;
  readonly timeToFinish: Histogram<'domain' | 'command_type' | 'outcome'>;
  readonly #workers = new Set<WorkerGaugeSource>();

  constructor(registry: Registry) {
    this.registry = registry;
    const registers = [registry];
    this.sent = new Counter({
      name: 'commandbus_commands_sent_total',
      help: 'Commands the producer enqueued (duplicates not counted).',
      labelNames: ['domain', 'command_type'],
      registers,
    });
    this.received = new Counter({
      name: 'commandbus_commands_received_total',
      help: 'Deliveries the worker received (one per attempt).',
      labelNames: ['domain', 'command_type'],
      registers,
    });
    this.finished = new Counter({
      name: 'commandbus_deliveries_finished_total',
      help: 'Deliveries the worker settled, by outcome.',
      labelNames: ['domain', 'command_type', 'outcome'],
      registers,
    });
    this.operatorActions = new Counter({
      name: 'commandbus_operator_actions_total',
      help: 'Commands an operator retried, resolved or canceled.',
      labelNames: ['domain', 'action'],
      registers,
    });
    const durationHistogram = (name: string, help: string, labelNames: string[]) =>
      new Histogram({ name, help, labelNames, buckets: DURATION_BUCKETS, registers });
    this.handlerDuration = durationHistogram(
      'commandbus_handler_duration_seconds',
      'Time a handler ran, from its start to its return or throw.',
      ['domain', 'command_type'],
    );
    this.queueWait = durationHistogram(
      'commandbus_queue_wait_seconds',
      "Time from the command's send to its handler's start, per attempt.",
      ['domain', 'command_type'],
    );
    this.timeToFinish = durationHistogram(
      'commandbus_time_to_finish_seconds',
      "Time from the command's send to its delivery's settle, by outcome.",
      ['domain', 'command_type', 'outcome'],
    );
    this.#workerGauge('commandbus_handler_slots', 'Handler slots of the workers.', (w) => [
      w.handlerSlots,
    ]);
    this.#workerGauge('commandbus_handler_slots_in_use', 'Handler slots taken now.', (w) => [
      w.handlerSlotsInUse(),
    ]);
    this.#workerGauge(
      'commandbus_prefetch_buffer_commands',
      'Received commands waiting in the prefetch buffer for a handler slot.',
      (w) => [w.prefetchBuffer()],
    );
    const workers = this.#workers;
    new Gauge({
      name: 'commandbus_queue_messages',
      help: "Messages in the domain's command queue, by state (sampled).",
      labelNames: ['domain', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const [domain, gauges] of await sampleDomains(workers)) {
          for (const state of QUEUE_STATES) this.set({ domain, state }, gauges.queue[state]);
        }
      },
    });
    this.#domainGauge(
      'commandbus_queue_oldest_message_age_seconds',
      "Age of the oldest message in the domain's command queue; 0 when empty (sampled).",
      (g) => g.oldestMessageAgeSeconds,
    );
    this.#domainGauge(
      'commandbus_commands_in_progress',
      'Commands IN_PROGRESS in the domain (sampled).',
      (g) => g.commandsInProgress,
    );
    this.#domainGauge(
      'commandbus_troubleshooting_commands',
      "Commands in the domain's troubleshooting queue (sampled).",
      (g) => g.troubleshooting,
    );
    this.#domainGauge(
      'commandbus_batches_in_progress',
      'Batches IN_PROGRESS in the domain (sampled).',
      (g) => g.batchesInProgress,
    );
  }

  /** Reports the worker's gauges until `removeWorker`. */
  addWorker(source: WorkerGaugeSource): void {
    this.#workers.add(source);
  }

  removeWorker(source: WorkerGaugeSource): void {
    this.#workers.delete(source);
  }

  #workerGauge(name: string, help: string, value: (w: WorkerGaugeSource) => [number]): void {
    const workers = this.#workers;
    new Gauge({
      name,
      help,
      labelNames: ['domain'],
      registers: [this.registry],
      collect() {
        this.reset();
        const sums = new Map<string, number>();
        for (const worker of workers) {
          sums.set(worker.domain, (sums.get(worker.domain) ?? 0) + value(worker)[0]);
        }
        for (const [domain, sum] of sums) this.set({ domain }, sum);
      },
    });
  }

  #domainGauge(name: string, help: string, value: (g: DomainGauges) => number): void {
    const workers = this.#workers;
    new Gauge({
      name,
      help,
      labelNames: ['domain'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [domain, gauges] of await sampleDomains(workers)) {
          this.set({ domain }, value(gauges));
        }
      },
    });
  }
}

/**
 * One sample per domain, from its first worker: workers of one domain share
 * its rows, and each worker's sampler runs at most one query per interval
 * however many gauges and scrapes ask. A failed sample (logged by the
 * sampler) leaves the domain out of the scrape rather than failing it.
 */
async function sampleDomains(
  workers: ReadonlySet<WorkerGaugeSource>,
): Promise<Map<string, DomainGauges>> {
  const first = new Map<string, WorkerGaugeSource>();
  for (const worker of workers) if (!first.has(worker.domain)) first.set(worker.domain, worker);
  const samples = new Map<string, DomainGauges>();
  await Promise.all(
    [...first].map(async ([domain, worker]) => {
      const gauges = await worker.domainGauges();
      if (gauges) samples.set(domain, gauges);
    }),
  );
  return samples;
}
