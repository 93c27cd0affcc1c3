// commandbus.memory.drain_100k: a drain of 100,000 commands (the registry's
// fixedCount) at the highest e2e concurrency, to show that peak RSS stays
// bounded at that size. The pre-load runs in the prepare process.
import { prepare as prepareDrain, run as drain } from './commandbus-e2e.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const DRAIN_CONCURRENCY = 32;

export function prepare(context: ScenarioContext): Promise<void> {
  return prepareDrain(context);
}

export function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  return drain(context, DRAIN_CONCURRENCY);
}
