// With --repeat, every scenario runs several times and the report keeps its
// median run: on this 2-core machine one run differs from the next by up to
// a quarter, the raw baselines most, and a ratio of two lucky or unlucky
// runs says little.
import type { ScenarioResult } from './scenario.ts';

/**
 * The median of one scenario's runs, as a whole row: by rate, or for a
 * latency scenario (a fixed rate) by p50. With an even number of runs, the
 * worse of the two middle ones.
 */
export function medianRun(runs: readonly ScenarioResult[]): ScenarioResult {
  const worstFirst = [...runs].sort((a, b) =>
    a.p50_ms !== null && b.p50_ms !== null ? b.p50_ms - a.p50_ms : a.per_s - b.per_s,
  );
  const median = worstFirst[Math.floor((worstFirst.length - 1) / 2)];
  if (!median) throw new Error('medianRun needs at least one run');
  return median;
}
