// Handlers of the demo command types: quick, with the failures the producer
// asked for, so the demo shows retries and the troubleshooting queue.
import { PermanentCommandError, TransientCommandError, type Worker } from '@commandbus/commandbus';
import { chargePayment, reserveStock, sendReceipt } from './commands.ts';

export function registerDemoHandlers(worker: Worker): Worker {
  return worker
    .register(reserveStock, ({ command }) => ({ reservationId: `res-${command.data.orderId}` }))
    .register(chargePayment, ({ command, attempt }) => {
      if (attempt <= command.data.failTimes) {
        throw new TransientCommandError(
          'GATEWAY_TIMEOUT',
          `payment gateway timed out (attempt ${attempt})`,
        );
      }
    })
    .register(sendReceipt, ({ command }) => {
      if (command.data.bounce) {
        throw new PermanentCommandError(
          'EMAIL_BOUNCED',
          `mailbox ${command.data.email} does not exist`,
        );
      }
    });
}
