import { describe, expect, it } from 'vitest';
import {
  drainPlan,
  isTooShort,
  fixedPlan,
  MAX_WARMUP,
  rescaledPlan,
  sendPlan,
  TARGET_SECONDS,
  WARMUP_SECONDS,
} from './counts.ts';
import { OperationBudget } from './measure.ts';

describe('drainPlan', () => {
  it('sizes the timed backlog to outlast the target at the calibrated rate', () => {
    const plan = drainPlan(10_000, 3);
    expect(plan.count / 10_000).toBeGreaterThanOrEqual(3);
    // …but not by more than the calibration margin.
    expect(plan.count / 10_000).toBeLessThanOrEqual(3 * 1.5);
  });

  it('warms a slow drain up for about WARMUP_SECONDS, a fast one for at most MAX_WARMUP', () => {
    expect(drainPlan(400).warmup).toBe(400 * WARMUP_SECONDS);
    expect(drainPlan(100_000).warmup).toBe(MAX_WARMUP);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => drainPlan(0)).toThrow(/positive rate/);
    expect(() => drainPlan(Number.NaN)).toThrow(/positive rate/);
  });
});

describe('rescaledPlan', () => {
  it('keeps a plan whose run lasted the target', () => {
    const plan = drainPlan(5_000);
    expect(rescaledPlan(plan, TARGET_SECONDS + 0.5)).toBe(plan);
  });

  it('scales a run that ended early so the next one lasts past the target at the measured rate', () => {
    const plan = { warmup: 1_000, count: 6_000 };
    // 6,000 in 1.5 s is 4,000/s: the next run needs at least 12,000.
    const next = rescaledPlan(plan, 1.5, 3);
    expect(next.warmup).toBe(1_000);
    expect(next.count / 4_000).toBeGreaterThanOrEqual(3);
  });

  it('shrinks a run that lasted more than twice the target, but not below the target', () => {
    const plan = { warmup: 1_000, count: 40_000 };
    // 40,000 in 20 s is 2,000/s: 3 s of it is 6,000.
    const next = rescaledPlan(plan, 20, 3);
    expect(next.count).toBeLessThan(40_000);
    expect(next.count / 2_000).toBeGreaterThanOrEqual(3);
    expect(rescaledPlan(plan, 5.9, 3)).toBe(plan);
  });

  it('leaves time-boxed sends alone', () => {
    const plan = sendPlan(3);
    expect(rescaledPlan(plan, 1)).toBe(plan);
  });
});

describe('fixedPlan', () => {
  it('times exactly the count after a warm-up of three quarters of it, at most MAX_WARMUP', () => {
    expect(fixedPlan(1_000)).toEqual({ warmup: 750, count: 1_000 });
    expect(fixedPlan(100_000)).toEqual({ warmup: MAX_WARMUP, count: 100_000 });
  });
});

describe('OperationBudget', () => {
  it('hands out consecutive indexes from its first one until its count is spent', () => {
    const budget = new OperationBudget(10, { count: 5 });
    expect(budget.take(2)).toEqual({ index: 10, length: 2 });
    expect(budget.take(100)).toEqual({ index: 12, length: 3 });
    expect(budget.take()).toBeUndefined();
    expect(budget.taken).toBe(5);
  });

  it('hands out nothing once its time is up', () => {
    const budget = new OperationBudget(0, { untilMs: performance.now() - 1 });
    expect(budget.take()).toBeUndefined();
    expect(budget.taken).toBe(0);
  });

  it('without a count, keeps handing out while its time lasts', () => {
    const budget = new OperationBudget(0, { untilMs: performance.now() + 60_000 });
    for (let i = 0; i < 1_000; i += 1) expect(budget.take(100)?.index).toBe(i * 100);
    expect(budget.taken).toBe(100_000);
  });
});

describe('isTooShort', () => {
  it('runs a drain again when it ended well short of the target, not when it came close', () => {
    expect(isTooShort(1.9, 3)).toBe(true);
    expect(isTooShort(2.5, 3)).toBe(false);
    expect(isTooShort(3.4, 3)).toBe(false);
  });
});
