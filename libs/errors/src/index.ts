// Public API of @commandbus/errors: the one root every command bus error
// extends, the error for input refused before any SQL ran, and the password
// redaction every program and error message uses. No dependencies besides Node.
export { CommandBusError } from './command-bus-error.ts';
export { InvalidInputError } from './invalid-input-error.ts';
export type { InvalidInputDetails } from './invalid-input-error.ts';
export { redactSecrets, redactUrl } from './redact.ts';
