// The demo's commands: mostly work that succeeds, some payments whose gateway
// times out once or twice (retries), a few receipts to addresses that bounce
// (troubleshooting queue), and one batch whose commands all succeed in the end.
import { randomUUID } from 'node:crypto';
import type { BatchItem } from '@commandbus/commandbus';
import { chargePayment, reserveStock, sendReceipt } from '@commandbus/demo';

export interface Workload {
  /** Sent with sendBatch, in chunks. */
  readonly loose: readonly BatchItem[];
  /** Sent with createBatch. */
  readonly batch: readonly BatchItem[];
  /** How many will end in the troubleshooting queue. */
  readonly expectedTroubleshooting: number;
}

/** Every n-th command of a kind misbehaves: the outcome is known in advance. */
const TRANSIENT_EVERY = 10;
const PERMANENT_EVERY = 50;

export function planWorkload(count: number): Workload {
  const batchSize = Math.min(500, Math.max(1, Math.floor(count / 10)));
  const items: BatchItem[] = [];
  let expectedTroubleshooting = 0;
  for (let i = 0; i < count; i += 1) {
    const orderId = `order-${i}`;
    const inBatch = i >= count - batchSize;
    switch (i % 3) {
      case 0:
        items.push({
          command: reserveStock,
          input: { data: { orderId, sku: `sku-${i % 97}`, quantity: 1 + (i % 5) } },
        } as BatchItem);
        break;
      case 1: {
        const failTimes = i % TRANSIENT_EVERY === 1 ? 1 + (i % 2) : 0;
        items.push({
          command: chargePayment,
          input: { data: { orderId, amountCents: 100 + i, failTimes } },
        } as BatchItem);
        break;
      }
      default: {
        // Batch members never bounce, so the batch can complete on its own.
        const bounce = !inBatch && i % PERMANENT_EVERY === 2;
        if (bounce) expectedTroubleshooting += 1;
        items.push({
          command: sendReceipt,
          input: {
            commandId: randomUUID(),
            data: { orderId, email: `${orderId}@example.com`, bounce },
          },
        } as BatchItem);
      }
    }
  }
  return {
    loose: items.slice(0, count - batchSize),
    batch: items.slice(count - batchSize),
    expectedTroubleshooting,
  };
}
