// The performance targets, as data: what commandbus promises, held against
// the floor (the least SQL V001 allows for the same job) and against its
// peers, each with the sentence a user reads. evaluateTargets turns a run's
// results into met / missed / not run; the report prints that table.
import type { ScenarioResult } from './scenario.ts';

interface TargetBase {
  readonly scenario: string;
  /** The promise, as a product statement. */
  readonly statement: string;
}

export type Target =
  | (TargetBase & {
      readonly kind: 'ratio';
      readonly versus: string;
      /** per_s(scenario) / per_s(versus) must be at least this. */
      readonly atLeast: number;
    })
  | (TargetBase & {
      readonly kind: 'latency';
      readonly percentile: 50 | 99;
      readonly atMostMs: number;
    })
  | (TargetBase & {
      readonly kind: 'connections';
      /** peak_connections of the scenario must be at most this. */
      readonly atMost: number;
    });

export const TARGETS: readonly Target[] = [
  {
    kind: 'ratio',
    scenario: 'commandbus.e2e.c32',
    versus: 'floor.drain.r32',
    atLeast: 0.8,
    statement:
      'A worker at concurrency 32 drains at 80% or more of the rate of bare V001 writes read 32 at a time',
  },
  {
    kind: 'ratio',
    scenario: 'commandbus.e2e.prefetch',
    versus: 'floor.drain.r500',
    atLeast: 0.8,
    statement:
      'With its default prefetch it drains at 80% or more of the rate of bare V001 writes read 500 at a time',
  },
  {
    kind: 'ratio',
    scenario: 'commandbus.e2e.prefetch',
    versus: 'pg-boss.drain',
    atLeast: 1.2,
    statement:
      'and at 1.2x or more the rate of pg-boss tuned for throughput, while keeping a full audit trail',
  },
  {
    kind: 'ratio',
    scenario: 'commandbus.send',
    versus: 'floor.send',
    atLeast: 0.9,
    statement: 'A single send costs at most about 10% more than the bare V001 writes of a send',
  },
  {
    kind: 'ratio',
    scenario: 'commandbus.send_batch',
    versus: 'floor.send_batch',
    atLeast: 0.9,
    statement: 'A batch of 100 costs at most about 10% more than the bare V001 writes of a batch',
  },
  {
    kind: 'latency',
    scenario: 'commandbus.latency',
    percentile: 50,
    atMostMs: 5,
    statement: 'At 100 commands/s, half reach their handler within 5 ms of the send',
  },
  {
    kind: 'latency',
    scenario: 'commandbus.latency',
    percentile: 99,
    atMostMs: 20,
    statement: 'and 99% within 20 ms',
  },
  {
    kind: 'connections',
    scenario: 'commandbus.e2e.c32',
    atMost: 6,
    statement:
      'A worker at concurrency 32 holds at most 6 pool connections (plus its LISTEN connection)',
  },
];

export interface TargetOutcome {
  readonly target: Target;
  /** What is compared, e.g. `commandbus.send / floor.send`. */
  readonly name: string;
  /** The ratio, milliseconds or connections measured; null when a scenario was not run. */
  readonly value: number | null;
  readonly required: string;
  /** null when not run. */
  readonly met: boolean | null;
}

function find(results: readonly ScenarioResult[], scenario: string): ScenarioResult | undefined {
  return results.find((r) => r.scenario === scenario);
}

/** per_s(scenario) / per_s(versus), undefined when either is missing or the divisor is 0. */
export function rateRatio(
  results: readonly ScenarioResult[],
  scenario: string,
  versus: string | undefined,
): number | undefined {
  if (!versus) return undefined;
  const mine = find(results, scenario);
  const theirs = find(results, versus);
  return mine && theirs && theirs.per_s > 0 ? mine.per_s / theirs.per_s : undefined;
}

function outcome(
  target: Target,
  name: string,
  required: string,
  value: number | null | undefined,
  met: (v: number) => boolean,
): TargetOutcome {
  const measured = value ?? null;
  return { target, name, value: measured, required, met: measured === null ? null : met(measured) };
}

export function evaluateTargets(
  results: readonly ScenarioResult[],
  targets: readonly Target[] = TARGETS,
): TargetOutcome[] {
  return targets.map((target) => {
    switch (target.kind) {
      case 'ratio':
        return outcome(
          target,
          `${target.scenario} / ${target.versus}`,
          `≥ ${target.atLeast.toFixed(1)}×`,
          rateRatio(results, target.scenario, target.versus),
          (v) => v >= target.atLeast,
        );
      case 'latency': {
        const row = find(results, target.scenario);
        return outcome(
          target,
          `${target.scenario} p${target.percentile}`,
          `≤ ${target.atMostMs} ms`,
          target.percentile === 50 ? row?.p50_ms : row?.p99_ms,
          (v) => v <= target.atMostMs,
        );
      }
      case 'connections':
        return outcome(
          target,
          `${target.scenario} peak pool connections`,
          `≤ ${target.atMost}`,
          find(results, target.scenario)?.peak_connections,
          (v) => v <= target.atMost,
        );
    }
  });
}

/**
 * The floor.* scenario doing the same job as a commandbus scenario, for the
 * "× floor" column: the least SQL V001 allows for it.
 */
export function floorCounterpart(scenario: string): string | undefined {
  if (scenario === 'commandbus.send' || scenario === 'commandbus.send.pool') return 'floor.send';
  if (scenario === 'commandbus.send_batch') return 'floor.send_batch';
  if (/^commandbus\.e2e\.c\d+$/.test(scenario)) return 'floor.drain.r32';
  if (scenario === 'commandbus.e2e.prefetch' || scenario.startsWith('commandbus.e2e.procs'))
    return 'floor.drain.r500';
  return undefined;
}

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
  if (scenario.endsWith('.send') || scenario.endsWith('.send.pool')) return 'pgmq.send';
  if (scenario.endsWith('.send_batch')) return 'pgmq.send_batch';
  if (scenario.includes('.drain') || scenario.includes('.e2e.')) return 'pgmq.drain';
  return undefined;
}
