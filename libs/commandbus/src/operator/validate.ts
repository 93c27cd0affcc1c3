// Input rules of the operator's actions, checked before any SQL runs: a
// rejected call writes nothing and throws InvalidInputError naming the field.
import { assertUuid, ruleViolation } from '@commandbus/commandbus-schema';

export function assertCommandId(commandId: unknown): asserts commandId is string {
  assertUuid('commandId', commandId);
}

/** The audit trail and the CANCELED reply carry it: it must say something. */
export function assertReason(reason: unknown): asserts reason is string {
  if (typeof reason !== 'string' || reason.trim().length === 0) {
    throw ruleViolation('INVALID_ARGUMENT', 'reason', 'must be a non-empty string', reason);
  }
}

/** The SUCCESS reply's `data`: a JSON object, or nothing. */
export function resultDataOf(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  const isPlainObject =
    typeof value === 'object' &&
    !Array.isArray(value) &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value));
  let serialisable = false;
  try {
    serialisable = JSON.stringify(value) !== undefined;
  } catch {
    serialisable = false;
  }
  if (!isPlainObject || !serialisable) {
    throw ruleViolation(
      'INVALID_ARGUMENT',
      'resultData',
      'must be a JSON object or omitted',
      value,
    );
  }
  return value as Record<string, unknown>;
}
