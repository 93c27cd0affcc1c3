import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from './scenario.ts';
import { evaluateTargets, floorCounterpart, TARGETS, type Target } from './targets.ts';

function result(scenario: string, values: Partial<ScenarioResult>): ScenarioResult {
  return {
    scenario,
    system: 'commandbus',
    count: 1000,
    seconds: 3,
    per_s: 1000,
    p50_ms: null,
    p99_ms: null,
    peak_rss_mb: 100,
    peak_connections: null,
    ...values,
  };
}

const sendTarget: Target = {
  kind: 'ratio',
  scenario: 'commandbus.send',
  versus: 'floor.send',
  atLeast: 0.9,
  statement: 'a send',
};

describe('evaluateTargets', () => {
  it('meets a ratio target at exactly the required ratio and misses it just below', () => {
    const floor = result('floor.send', { per_s: 1000 });
    const [met] = evaluateTargets([result('commandbus.send', { per_s: 900 }), floor], [sendTarget]);
    expect(met).toMatchObject({ name: 'commandbus.send / floor.send', value: 0.9, met: true });
    const [missed] = evaluateTargets(
      [result('commandbus.send', { per_s: 899 }), floor],
      [sendTarget],
    );
    expect(missed).toMatchObject({ value: 0.899, met: false });
  });

  it('reports a target whose scenario or reference did not run as not run, neither met nor missed', () => {
    const [outcome] = evaluateTargets([result('commandbus.send', { per_s: 900 })], [sendTarget]);
    expect(outcome).toMatchObject({ value: null, met: null });
  });

  it('holds latency targets to the percentile they name', () => {
    const latency = result('commandbus.latency', { p50_ms: 4.9, p99_ms: 21 });
    const outcomes = evaluateTargets(
      [latency],
      TARGETS.filter((t) => t.kind === 'latency'),
    );
    expect(outcomes.map((o) => [o.name, o.met])).toEqual([
      ['commandbus.latency p50', true],
      ['commandbus.latency p99', false],
    ]);
  });

  it('holds the connection budget to the sampled peak', () => {
    const connections = TARGETS.filter((t) => t.kind === 'connections');
    const within = evaluateTargets(
      [result('commandbus.e2e.c32', { peak_connections: 6 })],
      connections,
    );
    const over = evaluateTargets(
      [result('commandbus.e2e.c32', { peak_connections: 7 })],
      connections,
    );
    expect(within[0]?.met).toBe(true);
    expect(over[0]?.met).toBe(false);
  });

  it('states every target against a floor or a peer, never against itself', () => {
    for (const target of TARGETS) {
      expect(target.statement.length).toBeGreaterThan(10);
      if (target.kind === 'ratio') expect(target.versus).not.toBe(target.scenario);
    }
  });
});

describe('floorCounterpart', () => {
  it('holds each commandbus scenario to the floor of the same job', () => {
    expect(floorCounterpart('commandbus.send')).toBe('floor.send');
    expect(floorCounterpart('commandbus.send.pool')).toBe('floor.send');
    expect(floorCounterpart('commandbus.send_batch')).toBe('floor.send_batch');
    expect(floorCounterpart('commandbus.e2e.c32')).toBe('floor.drain.r32');
    expect(floorCounterpart('commandbus.e2e.prefetch')).toBe('floor.drain.r500');
    expect(floorCounterpart('commandbus.e2e.procs4')).toBe('floor.drain.r500');
    expect(floorCounterpart('pg-boss.drain')).toBeUndefined();
  });
});
