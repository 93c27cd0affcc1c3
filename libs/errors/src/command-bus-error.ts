// The root of every error the command bus throws on purpose. Callers branch
// on `instanceof` and on `code`, never on message text.

/** Every command bus error: `instanceof`-able, with a stable machine-readable `code`. */
export class CommandBusError extends Error {
  /** Stable, upper-case and underscore-separated (`QUEUE_NOT_FOUND`): safe to branch on. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CommandBusError';
    this.code = code;
  }
}
