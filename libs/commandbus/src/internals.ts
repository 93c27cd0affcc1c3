// `@commandbus/commandbus/internals`: the plumbing the workspace's CLIs, tools
// and tests build on — queue and channel names, wire-format schemas, input
// patterns, prepared-statement naming, cross-domain listings. Not needed to
// send, handle or operate commands (that is `@commandbus/commandbus`), and
// free to change with the library.
export { DEFAULTS } from './defaults.ts';
export { redactUrl } from '@commandbus/errors';
export { defaultLogger } from './logger.ts';
export { commandQueueName, notifyChannel, replyQueueName } from './names.ts';
export { commandEnvelopeSchema, replyEnvelopeSchema } from './envelope.ts';
export type { CommandEnvelope, ReplyEnvelope } from './envelope.ts';
export { DEFAULT_PAGE_SIZE } from './operator/types.ts';
export {
  listBatchesOfEveryDomain,
  listCommandsOfEveryDomain,
  queueFiguresOfEveryDomain,
} from './operator/every-domain.ts';
export { countCommandsByStatus, measureCompletionLatency } from '@commandbus/commandbus-schema';
export type { CommandStatusCounts } from '@commandbus/commandbus-schema';
export {
  BATCH_STATUSES,
  COMMAND_STATUSES,
  DOMAIN_PATTERN,
  MAX_PAGE_SIZE,
  namePreparedStatements,
  UUID_PATTERN,
} from '@commandbus/commandbus-schema';
