// The performance targets, as data: which commandbus scenario is held against
// which peer, and how close it must come. One list feeds the table's ratio
// columns and the pass/fail summary.
export interface RatioTarget {
  readonly scenario: string;
  readonly versus: string;
  /** per_s(scenario) / per_s(versus) must be at least this. */
  readonly atLeast: number;
  /**
   * The floor.* scenario doing the least the contracts allow for the same job:
   * per_s(floor) / per_s(versus) is the most any V001 command bus can reach.
   */
  readonly floor: string;
}

export interface LatencyTarget {
  readonly scenario: string;
  readonly p50AtMostMs: number;
}

export const RATIO_TARGETS: readonly RatioTarget[] = [
  {
    scenario: 'commandbus.e2e.c32',
    versus: 'graphile-worker.drain.batched',
    atLeast: 1.0,
    floor: 'floor.drain.r32',
  },
  {
    scenario: 'commandbus.e2e.c32',
    versus: 'pgmq.drain',
    atLeast: 0.5,
    floor: 'floor.drain.r32',
  },
  {
    scenario: 'commandbus.send_batch',
    versus: 'pgmq.send_batch',
    atLeast: 0.5,
    floor: 'floor.send_batch',
  },
  { scenario: 'commandbus.send', versus: 'pgmq.send', atLeast: 0.6, floor: 'floor.send' },
];

export const LATENCY_TARGETS: readonly LatencyTarget[] = [
  { scenario: 'commandbus.latency', p50AtMostMs: 10 },
];

/** The peer of the drain targets, shown as a ratio column for every e2e row. */
export const DRAIN_PEER = 'graphile-worker.drain.batched';

/**
 * The raw-PGMQ scenario doing the same job as `scenario`, for the "× pgmq"
 * column: sends against pgmq.send, batches against pgmq.send_batch, any
 * drain against pgmq.drain. Latency and the 100k memory runs have none.
 */
export function pgmqCounterpart(scenario: string): string | undefined {
  if (
    scenario.startsWith('pgmq.') ||
    scenario.includes('.memory.') ||
    scenario.includes('.latency')
  ) {
    return undefined;
  }
  if (scenario.endsWith('.send')) return 'pgmq.send';
  if (scenario.endsWith('.send_batch')) return 'pgmq.send_batch';
  if (scenario.includes('.drain') || scenario.includes('.e2e.')) return 'pgmq.drain';
  return undefined;
}
