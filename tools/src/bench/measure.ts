// Timing, percentiles and peak RSS: the numbers every row of the report is
// made of. One helper so every scenario measures the same way.
import { performance } from 'node:perf_hooks';
import { WARMUP_SECONDS } from './counts.ts';

export interface TimedSection {
  readonly seconds: number;
  readonly peakRssMb: number;
}

export interface Timer {
  /** Ends the section: wall time since start, highest RSS sampled meanwhile. */
  stop(): TimedSection;
}

/** How often RSS is sampled. Short enough to catch a burst of a few dozen ms. */
const RSS_SAMPLE_MS = 20;

/**
 * Starts the clock of a timed section and samples `process.memoryUsage().rss`
 * until it stops. Samples run on the event loop, so a fully blocked loop is
 * sampled late, never skipped: the stop itself takes a last sample.
 */
export function startTimer(): Timer {
  const startedAt = performance.now();
  let peakRss = process.memoryUsage.rss();
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  sampler.unref();
  let stopped: TimedSection | undefined;
  return {
    stop() {
      if (stopped) return stopped;
      clearInterval(sampler);
      sample();
      stopped = {
        seconds: (performance.now() - startedAt) / 1000,
        peakRssMb: peakRss / (1024 * 1024),
      };
      return stopped;
    },
  };
}

/** Monotonic milliseconds, comparable only within one process. */
export function nowMs(): number {
  return performance.now();
}

/** Nearest-rank percentile (`p` in 0..100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * The operations a send loop may still start: at most `count` (when given)
 * and none after `untilMs` (when given). Concurrent loops draw from one
 * budget when they are ready, so a slow loop never leaves the others idle.
 */
export class OperationBudget {
  readonly #first: number;
  readonly #count: number;
  readonly #untilMs: number;
  #taken = 0;

  constructor(first: number, limits: { readonly count?: number; readonly untilMs?: number }) {
    this.#first = first;
    this.#count = limits.count ?? Number.POSITIVE_INFINITY;
    this.#untilMs = limits.untilMs ?? Number.POSITIVE_INFINITY;
  }

  /** Operations handed out so far. */
  get taken(): number {
    return this.#taken;
  }

  /**
   * The index of the first of up to `n` consecutive operations and how many
   * they are, or undefined once the budget is spent or its time is up.
   */
  take(n = 1): { readonly index: number; readonly length: number } | undefined {
    const length = Math.min(n, this.#count - this.#taken);
    if (length <= 0 || nowMs() >= this.#untilMs) return undefined;
    const index = this.#first + this.#taken;
    this.#taken += length;
    return { index, length };
  }
}

export interface SendPlan {
  readonly warmup: number;
  readonly count: number;
  /** Time-boxed: the timed part's length; else exactly `count` operations are timed. */
  readonly seconds?: number;
}

/**
 * For sends: a warm-up of at most `plan.warmup` operations and
 * WARMUP_SECONDS, untimed, then the timed part on the same connections and
 * code path: `plan.seconds` long, or `plan.count` operations. Operations
 * still running when the time is up finish and count. Returns both sizes,
 * since the outcome check counts both.
 */
export async function timeAfterWarmup(
  plan: SendPlan,
  work: (budget: OperationBudget) => Promise<unknown>,
): Promise<TimedSection & { readonly warmup: number; readonly count: number }> {
  const warm = new OperationBudget(0, {
    count: plan.warmup,
    untilMs: plan.seconds === undefined ? undefined : nowMs() + WARMUP_SECONDS * 1000,
  });
  await work(warm);
  const timer = startTimer();
  const timed = new OperationBudget(
    warm.taken,
    plan.seconds === undefined ? { count: plan.count } : { untilMs: nowMs() + plan.seconds * 1000 },
  );
  await work(timed);
  return { ...timer.stop(), warmup: warm.taken, count: timed.taken };
}

/**
 * For drains: counts processed operations and starts the timer the moment
 * the warm-up ones are done, so the queue is already being drained at full
 * speed when the clock starts.
 */
export class WarmupGate {
  readonly #warmup: number;
  #seen = 0;
  #seenAtStart = 0;
  #timer: Timer | undefined;

  constructor(warmup: number) {
    this.#warmup = warmup;
  }

  get seen(): number {
    return this.#seen;
  }

  /** Call as operations finish (n at a time for batches). */
  count(n = 1): void {
    this.#seen += n;
    if (!this.#timer && this.#seen >= this.#warmup) {
      this.#seenAtStart = this.#seen;
      this.#timer = startTimer();
    }
  }

  /** The timed section: operations since the timer started, and its time. */
  stop(): TimedSection & { readonly count: number } {
    if (!this.#timer)
      throw new Error(`the warm-up of ${this.#warmup} never finished (saw ${this.#seen})`);
    return { ...this.#timer.stop(), count: this.#seen - this.#seenAtStart };
  }
}
