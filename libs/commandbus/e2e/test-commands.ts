// Command types that several end-to-end files send: one definition each, so a
// type name means the same data and reply in every file.
import { z } from 'zod';
import { defineCommand, PermanentCommandError, TransientCommandError } from '../src/index.ts';

/** Answers with a greeting: the reply path. */
export const greet = defineCommand({
  type: 'test.Greet',
  data: z.object({ name: z.string() }),
  reply: z.object({ greeting: z.string() }),
});

/** Answers with a price: replies parsed by their command type. */
export const quote = defineCommand({
  type: 'test.Quote',
  data: z.object({ item: z.string() }),
  reply: z.object({ price: z.number() }),
});

/** Fails transiently `failTimes` times before it succeeds. */
export const flaky = defineCommand({
  type: 'test.Flaky',
  data: z.object({ failTimes: z.number() }),
});

/** flaky's handler: BUSY, a transient failure, on every attempt up to `failTimes`. */
export function busyUntilFailTimes(delivery: {
  readonly attempt: number;
  readonly command: { readonly data: { readonly failTimes: number } };
}): void {
  if (delivery.attempt <= delivery.command.data.failTimes)
    throw new TransientCommandError('BUSY', `busy on attempt ${delivery.attempt}`);
}

/** A handler that refuses it (cancels). */
export const refuse = defineCommand({ type: 'test.Refuse', data: z.object({}) });

/** A handler that fails it permanently. */
export const doomed = defineCommand({ type: 'test.Doomed', data: z.object({}) });

/** The operator's subject: an amount to charge. */
export const charge = defineCommand({
  type: 'test.Charge',
  data: z.object({ amount: z.number() }),
});

/** Numbered sends. */
export const ping = defineCommand({ type: 'test.Ping', data: z.object({ n: z.number() }) });

/** The handler that sends a command to the troubleshooting queue. */
export const declined = (): never => {
  throw new PermanentCommandError('CARD_DECLINED', 'the card was declined');
};
