// How many operations a scenario runs, so that every throughput scenario is
// timed for about TARGET_SECONDS whatever its rate: 20,000 operations that
// take 0.4 s measure mostly start-up and noise. Sends are time-boxed; a
// drain's backlog has to exist before its clock starts, so it is sized from
// a short calibration run of the same scenario.

/** The least a throughput scenario's timed part should last. */
export const TARGET_SECONDS = 3;
/** A warm-up lasts about this long (sends: at most), or MAX_WARMUP operations. */
export const WARMUP_SECONDS = 1.5;
/**
 * V8 keeps tiering the client's call stack (pg, slonik, zod) up for about
 * 12,000 operations; more warm-up than this buys nothing.
 */
export const MAX_WARMUP = 15_000;
const MIN_WARMUP = 200;
/** The calibration run of a drain: small, so even the slowest drain takes a few seconds. */
export const CALIBRATION_PLAN: Plan = { warmup: 500, count: 1_500 };
/**
 * A drain is faster once warm than in its calibration run; sizing it for a
 * third more than the calibrated rate keeps it above TARGET_SECONDS.
 */
const CALIBRATION_MARGIN = 1.3;
/** When a drain still ran short, the next round aims this far above the target. */
const RESCALE_MARGIN = 1.1;
/**
 * A drain that ran more than this many times the target (its calibration
 * caught a fast spell) shrinks for the next round, so a run's length stays
 * bounded; it is then sized to RESIZE_DOWN_TO × the target.
 */
const TOO_LONG = 2;
const RESIZE_DOWN_TO = 1.3;

export interface Plan {
  /** Untimed operations first. */
  readonly warmup: number;
  /** Timed operations (drains and fixed runs); unused by time-boxed sends. */
  readonly count: number;
  /** Time-boxed sends: the length of the timed part. */
  readonly seconds?: number;
}

/** A send scenario: warm up for at most WARMUP_SECONDS, then send for `seconds`. */
export function sendPlan(seconds = TARGET_SECONDS): Plan {
  return { warmup: MAX_WARMUP, count: 0, seconds };
}

/** A fixed count (`--count`, the memory runs): warm-up as a share of it, as many timed. */
export function fixedPlan(count: number): Plan {
  return { warmup: Math.min(MAX_WARMUP, Math.max(100, Math.ceil(count * 0.75))), count };
}

/** A drain sized from its calibrated rate (operations per second) to last `seconds`. */
export function drainPlan(ratePerSecond: number, seconds = TARGET_SECONDS): Plan {
  if (!(ratePerSecond > 0))
    throw new Error(`a drain plan needs a positive rate, got ${ratePerSecond}`);
  const warmup = Math.min(
    MAX_WARMUP,
    Math.max(MIN_WARMUP, Math.ceil(ratePerSecond * WARMUP_SECONDS)),
  );
  return { warmup, count: Math.ceil(ratePerSecond * seconds * CALIBRATION_MARGIN) };
}

/**
 * The plan of the next round after a run whose timed part took
 * `measuredSeconds`: unchanged if it lasted between `seconds` and TOO_LONG
 * times that; else resized, at the rate just measured, to last a little over
 * `seconds` (when short) or RESIZE_DOWN_TO × `seconds` (when far too long).
 */
export function rescaledPlan(plan: Plan, measuredSeconds: number, seconds = TARGET_SECONDS): Plan {
  if (plan.seconds !== undefined || !(measuredSeconds > 0)) return plan;
  const aim =
    measuredSeconds < seconds
      ? seconds * RESCALE_MARGIN
      : measuredSeconds > seconds * TOO_LONG
        ? seconds * RESIZE_DOWN_TO
        : undefined;
  if (aim === undefined) return plan;
  return { ...plan, count: Math.ceil((plan.count * aim) / measuredSeconds) };
}

/** A timed part this much shorter than the target is run again (drains only). */
const TOO_SHORT = 0.8;

/** Whether a drain's timed part ended so far short of `seconds` that it is run again. */
export function isTooShort(measuredSeconds: number, seconds = TARGET_SECONDS): boolean {
  return measuredSeconds < seconds * TOO_SHORT;
}
