// The demo's command types. Each carries, in its data, how the demo wants it
// to behave, so a run's outcome (how many retry, how many end in the
// troubleshooting queue) is decided by the producer and can be checked.
import { defineCommand } from '@commandbus/commandbus';
import { z } from 'zod';

export const reserveStock = defineCommand({
  type: 'demo.ReserveStock',
  data: z.object({ orderId: z.string(), sku: z.string(), quantity: z.number().int().positive() }),
  reply: z.object({ reservationId: z.string() }),
});

export const chargePayment = defineCommand({
  type: 'demo.ChargePayment',
  data: z.object({
    orderId: z.string(),
    amountCents: z.number().int().positive(),
    /** The gateway times out on this many attempts before it answers. */
    failTimes: z.number().int().min(0).default(0),
  }),
  // Short, so the demo's retries finish within its run.
  backoffSeconds: [1, 2],
});

export const sendReceipt = defineCommand({
  type: 'demo.SendReceipt',
  data: z.object({
    orderId: z.string(),
    email: z.string(),
    /** The address bounces: a permanent failure. */
    bounce: z.boolean().default(false),
  }),
});

export const DEMO_COMMANDS = [reserveStock, chargePayment, sendReceipt] as const;
