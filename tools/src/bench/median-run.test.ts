import { describe, expect, it } from 'vitest';
import { medianRun } from './median-run.ts';
import type { ScenarioResult } from './scenario.ts';

function run(perS: number, p50Ms: number | null = null): ScenarioResult {
  return {
    scenario: 'x',
    system: 'pgmq',
    count: 1000,
    seconds: 1000 / perS,
    per_s: perS,
    p50_ms: p50Ms,
    p99_ms: p50Ms === null ? null : p50Ms * 2,
    peak_rss_mb: 100,
    peak_connections: null,
  };
}

describe('medianRun', () => {
  it('keeps the run with the middle rate, whole', () => {
    const middle = run(5000);
    expect(medianRun([run(4000), run(6000), middle])).toBe(middle);
  });

  it('takes the slower of the two middle runs of an even number', () => {
    const slower = run(4500);
    expect(medianRun([run(6000), run(5000), slower, run(3000)])).toBe(slower);
  });

  it('ranks latency runs by p50, worse being higher', () => {
    const middle = run(100, 4.2);
    expect(medianRun([run(100, 3.1), middle, run(100, 9.8)])).toBe(middle);
  });

  it('refuses no runs at all', () => {
    expect(() => medianRun([])).toThrow(/at least one run/);
  });
});
