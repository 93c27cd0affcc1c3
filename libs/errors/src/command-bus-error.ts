// The root of every error the command bus throws on purpose. Callers branch
// on `instanceof` and on `code`, never on message text.

/**
 * Every command bus error: `instanceof`-able, with a stable machine-readable
 * `code`. A lib narrows `Code` to its own list (`class PgmqError extends
 * CommandBusError<PgmqErrorCode> {}`), so its callers get the codes typed.
 */
export class CommandBusError<Code extends string = string> extends Error {
  /** Stable, upper-case and underscore-separated (`QUEUE_NOT_FOUND`): safe to branch on. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    // The subclass's own name (`QueueNotFoundError`), so that logs and stack
    // traces say which error it is without every subclass repeating it.
    this.name = new.target.name;
    this.code = code;
  }
}
