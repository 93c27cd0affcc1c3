// commandbus.memory.send_batch_100k: 100,000 commands (the registry's
// fixedCount) sent with sendBatch in chunks of 10,000, to show that peak RSS
// stays bounded at that size.
import { prepare as prepareSendBatch, run as sendBatches } from './commandbus-send-batch.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

/** Commands per sendBatch call: large batches, each still one bounded transaction. */
const SEND_CHUNK = 10_000;

export function prepare(context: ScenarioContext): Promise<void> {
  return prepareSendBatch(context);
}

export function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  return sendBatches(context, SEND_CHUNK);
}
