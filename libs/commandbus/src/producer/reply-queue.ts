// Where a command's reply goes. A reply queue belongs to the sending domain:
// naming another domain's queue, or any command queue, would let one service
// write into another's inbox.
import { validateQueueName } from '@commandbus/pgmq';
import { InvalidInputError } from '@commandbus/commandbus-schema';
import { replyQueueName } from '../names.ts';

const DOMAIN_QUEUE = /^([a-z][a-z0-9_]{0,29})__(commands|replies)$/;

export function resolveReplyQueue(
  domain: string,
  replyTo: string | true | null | undefined,
): string | null {
  if (replyTo === undefined || replyTo === null) return null;
  if (replyTo === true) return replyQueueName(domain);
  validateQueueName(replyTo);
  const owned = DOMAIN_QUEUE.exec(replyTo);
  if (owned && (owned[2] === 'commands' || owned[1] !== domain)) {
    throw new InvalidInputError(
      'INVALID_REPLY_QUEUE',
      `replyTo ${JSON.stringify(replyTo)} is another domain's queue or a command queue; a reply queue of domain ${domain} is ${replyQueueName(domain)} or a queue of your own`,
    );
  }
  return replyTo;
}
