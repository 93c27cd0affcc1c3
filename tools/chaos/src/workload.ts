// What a scenario sends: commands with client-chosen ids (so a send can be
// repeated after an outage without doubling anything), some grouped in
// batches, a few made to fail permanently.
import { randomUUID } from 'node:crypto';

export interface PlannedCommand {
  readonly commandId: string;
  readonly sleepMs: number;
  readonly failPermanently: boolean;
}

export type PlannedSend =
  | {
      readonly kind: 'batch';
      readonly batchId: string;
      readonly commands: readonly PlannedCommand[];
    }
  | { readonly kind: 'commands'; readonly commands: readonly PlannedCommand[] };

export interface WorkloadShape {
  /** Share of commands sent inside batches. */
  readonly batchShare: number;
  readonly batchSize: number;
  /** Commands per sendBatch call outside batches (1 = single sends). */
  readonly chunkSize: number;
  /** Share of the non-batch commands whose handler fails permanently. */
  readonly permanentShare: number;
  /** Handler work, uniform in [0, maxSleepMs]. */
  readonly maxSleepMs: number;
}

export const DEFAULT_SHAPE: WorkloadShape = {
  batchShare: 0.2,
  batchSize: 50,
  chunkSize: 20,
  permanentShare: 0.01,
  maxSleepMs: 50,
};

export function planWorkload(count: number, shape: WorkloadShape = DEFAULT_SHAPE): PlannedSend[] {
  const command = (failPermanently: boolean): PlannedCommand => ({
    commandId: randomUUID(),
    sleepMs: Math.floor(Math.random() * (shape.maxSleepMs + 1)),
    failPermanently,
  });
  const sends: PlannedSend[] = [];
  // Batches never hold a failing command, so every batch can complete.
  let inBatches = Math.round(count * shape.batchShare);
  while (inBatches > 0) {
    const size = Math.min(shape.batchSize, inBatches);
    sends.push({
      kind: 'batch',
      batchId: randomUUID(),
      commands: Array.from({ length: size }, () => command(false)),
    });
    inBatches -= size;
  }
  let loose = count - Math.round(count * shape.batchShare);
  while (loose > 0) {
    const size = Math.min(shape.chunkSize, loose);
    const commands = Array.from({ length: size }, () =>
      command(Math.random() < shape.permanentShare),
    );
    sends.push({ kind: 'commands', commands });
    loose -= size;
  }
  return shuffle(sends);
}

export function plannedCommands(sends: readonly PlannedSend[]): PlannedCommand[] {
  return sends.flatMap((send) => send.commands);
}

export function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
