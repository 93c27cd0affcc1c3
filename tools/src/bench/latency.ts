// The latency scenarios' common shape: a warm-up, then sends at a steady
// 100/s for a few seconds, each stamped with its send time, and the handler
// records how long after the send it started.
import { nowMs, startTimer } from './measure.ts';
import { sendAtSteadyRate } from './load.ts';
import type { ScenarioOutcome } from './scenario.ts';
import { waitUntil } from './wait-until.ts';

export const LATENCY_LOAD = {
  ratePerSecond: 100,
  /** Connections, JIT and caches warm up here; these samples are dropped. */
  warmupMs: 1_000,
  measuredMs: 5_000,
} as const;

/** What a latency scenario puts in each message: `t` is the send time. */
export interface LatencyProbe {
  readonly t: number;
  readonly measured: boolean;
  [key: string]: unknown;
}

export class LatencyRecorder {
  readonly samples: number[] = [];

  /** Call first thing in the handler, with the message's payload. */
  record(payload: unknown): void {
    const probe = payload as Partial<LatencyProbe> | null;
    if (probe && probe.measured === true && typeof probe.t === 'number') {
      this.samples.push(nowMs() - probe.t);
    }
  }
}

/**
 * Runs the warm-up and the measured phase through `send`, then waits until
 * the handler has seen every measured message.
 */
export async function measureLatency(
  recorder: LatencyRecorder,
  send: (probe: LatencyProbe) => Promise<unknown>,
): Promise<ScenarioOutcome> {
  const { ratePerSecond, warmupMs, measuredMs } = LATENCY_LOAD;
  await sendAtSteadyRate(ratePerSecond, warmupMs, () => send({ t: nowMs(), measured: false }));
  const timer = startTimer();
  const sent = await sendAtSteadyRate(ratePerSecond, measuredMs, () =>
    send({ t: nowMs(), measured: true }),
  );
  await waitUntil(() => recorder.samples.length >= sent, {
    timeoutMs: 30_000,
    description: `${sent} measured messages to reach their handler`,
  });
  const { seconds, peakRssMb } = timer.stop();
  return { count: sent, seconds, peakRssMb, latenciesMs: recorder.samples };
}
