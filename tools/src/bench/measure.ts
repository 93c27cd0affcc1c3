// Timing, percentiles and peak RSS: the numbers every row of the report is
// made of. One helper so every scenario measures the same way.
import { performance } from 'node:perf_hooks';

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
 * Untimed operations a throughput scenario runs first, in the same process
 * and on the same connections, so the timed part measures steady state.
 * Steady state comes late: V8 keeps tiering the client's call stack (pg,
 * slonik, zod) up to TurboFan for about 12,000 operations, which until then
 * cost 2-3x the client CPU; single sends jump to full speed only after that.
 */
export function warmupCount(count: number): number {
  return Math.min(15_000, Math.max(100, Math.ceil(count * 0.75)));
}

/**
 * For sends: runs items 0..warm-up-1 untimed, then times items
 * warm-up..warm-up+count-1 on the same connections and the same code path.
 * Returns the warm-up size too, since the outcome check counts both.
 */
export async function timeAfterWarmup(
  count: number,
  work: (first: number, count: number) => Promise<unknown>,
): Promise<TimedSection & { readonly warmup: number }> {
  const warmup = warmupCount(count);
  await work(0, warmup);
  const timer = startTimer();
  await work(warmup, count);
  return { ...timer.stop(), warmup };
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
