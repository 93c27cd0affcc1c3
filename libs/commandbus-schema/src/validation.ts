// Input rules checked before any SQL runs: a rejected call writes nothing and
// throws an InvalidInputError naming the field, the rule and the value.
import {
  AUDIT_EVENT_TYPES,
  BATCH_STATUSES,
  BATCH_UPDATE_TYPES,
  COMMAND_STATUSES,
  FINISH_STATUSES,
  type AuditEventType,
  type BatchStatus,
  type BatchUpdateType,
  type CommandStatus,
  type FinishStatus,
} from './model.ts';
import { InvalidInputError, type InvalidInputCode } from './errors.ts';

/** docs/lifecycle.md, "Names": lower-case, starts with a letter, at most 30 characters. */
export const DOMAIN_PATTERN = /^[a-z][a-z0-9_]{0,29}$/;

/** Canonical textual UUID (any version). PostgreSQL accepts looser spellings; we do not, so ids compare as strings. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** NOTIFY channels are identifiers; ours are `pgmq_notify_<domain>__commands`. */
export const CHANNEL_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** Largest page the list queries return. */
export const MAX_PAGE_SIZE = 1000;

const MAX_SHOWN_VALUE_CHARS = 80;

/** The value as it appears in an error message: quoted strings, truncated. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'bigint') text = `${value}n`;
  else if (value === undefined) text = 'undefined';
  else if (typeof value === 'function' || typeof value === 'symbol') text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length > MAX_SHOWN_VALUE_CHARS ? `${text.slice(0, MAX_SHOWN_VALUE_CHARS)}…` : text;
}

export function ruleViolation(
  code: InvalidInputCode,
  field: string,
  rule: string,
  value: unknown,
): InvalidInputError {
  return new InvalidInputError(code, `${field}: ${describeValue(value)} is invalid: ${rule}`, {
    field,
    rule,
    value,
  });
}

export function assertDomain(value: unknown, field = 'domain'): asserts value is string {
  if (typeof value !== 'string' || !DOMAIN_PATTERN.test(value)) {
    throw ruleViolation(
      'INVALID_DOMAIN',
      field,
      `a domain must match ${DOMAIN_PATTERN.source}`,
      value,
    );
  }
}

export function assertUuid(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !UUID_PATTERN.test(value)) {
    throw ruleViolation('INVALID_UUID', field, 'must be a UUID (8-4-4-4-12 hex digits)', value);
  }
}

/** `null` and `undefined` pass (they mean "none"); anything else must be a UUID. */
export function assertOptionalUuid(
  field: string,
  value: unknown,
): asserts value is string | null | undefined {
  if (value !== null && value !== undefined) assertUuid(field, value);
}

function assertOneOf<T extends string>(
  code: InvalidInputCode,
  field: string,
  allowed: readonly T[],
  value: unknown,
): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw ruleViolation(code, field, `must be one of ${allowed.join(', ')}`, value);
  }
}

export function assertCommandStatus(field: string, value: unknown): asserts value is CommandStatus {
  assertOneOf('INVALID_STATUS', field, COMMAND_STATUSES, value);
}

export function assertFinishStatus(field: string, value: unknown): asserts value is FinishStatus {
  assertOneOf('INVALID_STATUS', field, FINISH_STATUSES, value);
}

export function assertBatchStatus(field: string, value: unknown): asserts value is BatchStatus {
  assertOneOf('INVALID_STATUS', field, BATCH_STATUSES, value);
}

export function assertAuditEventType(
  field: string,
  value: unknown,
): asserts value is AuditEventType {
  assertOneOf('INVALID_EVENT_TYPE', field, AUDIT_EVENT_TYPES, value);
}

export function assertBatchUpdateType(
  field: string,
  value: unknown,
): asserts value is BatchUpdateType {
  assertOneOf('INVALID_UPDATE_TYPE', field, BATCH_UPDATE_TYPES, value);
}

/** A whole number within PostgreSQL's INT (or, with `max`, a tighter) range. */
export function assertInteger(
  field: string,
  value: unknown,
  { min = -2_147_483_648, max = 2_147_483_647 }: { min?: number; max?: number } = {},
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw ruleViolation(
      'INVALID_ARGUMENT',
      field,
      `must be an integer from ${min} to ${max}`,
      value,
    );
  }
}

/** A PGMQ msg id: a non-negative BIGINT that a JS number holds exactly. */
export function assertMsgId(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw ruleViolation(
      'INVALID_ARGUMENT',
      field,
      'must be a non-negative safe integer (a PGMQ msg id)',
      value,
    );
  }
}

export function assertNonEmptyString(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw ruleViolation('INVALID_ARGUMENT', field, 'must be a non-empty string', value);
  }
}

export function assertOptionalString(
  field: string,
  value: unknown,
): asserts value is string | null | undefined {
  if (value !== null && value !== undefined && typeof value !== 'string') {
    throw ruleViolation('INVALID_ARGUMENT', field, 'must be a string or null', value);
  }
}

/** A JSON object (what the JSONB columns hold): a plain object, not an array. */
export function assertOptionalJsonObject(
  field: string,
  value: unknown,
): asserts value is Record<string, unknown> | null | undefined {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw ruleViolation('INVALID_ARGUMENT', field, 'must be a JSON object or null', value);
  }
}

export function assertJsonObject(
  field: string,
  value: unknown,
): asserts value is Record<string, unknown> {
  if (value === null || value === undefined) {
    throw ruleViolation('INVALID_ARGUMENT', field, 'must be a JSON object', value);
  }
  assertOptionalJsonObject(field, value);
}

/** Anything JSON.stringify turns into JSON (not undefined, functions, bigints or cycles). */
export function assertJsonValue(field: string, value: unknown): void {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined)
    throw ruleViolation('INVALID_ARGUMENT', field, 'must be JSON-serialisable', value);
}

export function assertOptionalDate(
  field: string,
  value: unknown,
): asserts value is Date | null | undefined {
  if (value === null || value === undefined) return;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw ruleViolation('INVALID_ARGUMENT', field, 'must be a valid Date', value);
  }
}

export function assertPage(limit: unknown, offset: unknown): asserts limit is number {
  assertInteger('limit', limit, { min: 1, max: MAX_PAGE_SIZE });
  assertInteger('offset', offset, { min: 0 });
}

export function assertArray(field: string, value: unknown): asserts value is readonly unknown[] {
  if (!Array.isArray(value))
    throw ruleViolation('INVALID_ARGUMENT', field, 'must be an array', value);
}

/**
 * Checks that each (domain, command id) appears once in a multi-row call. A
 * statement may touch a command row only once: ON CONFLICT DO UPDATE refuses
 * a second touch, and a repeated id would otherwise be received, sent or
 * requeued twice. Ids compare as PostgreSQL stores them, in lower case.
 */
export function distinctCommandGuard(): (field: string, domain: string, commandId: string) => void {
  const seen = new Set<string>();
  return (field, domain, commandId) => {
    const key = `${domain}/${commandId.toLowerCase()}`;
    if (seen.has(key)) {
      throw ruleViolation('INVALID_ARGUMENT', field, 'must appear once per call', commandId);
    }
    seen.add(key);
  };
}

/**
 * The deliveries of one read or one finishing group: each a uuid command id,
 * once per call, with its message's msg id. Fields are named
 * `deliveries[i].commandId` and `deliveries[i].msgId`.
 */
export function assertDeliveries(
  domain: string,
  deliveries: readonly { readonly commandId: string; readonly msgId: number }[],
): void {
  const assertOnce = distinctCommandGuard();
  deliveries.forEach(({ commandId, msgId }, index) => {
    assertUuid(`deliveries[${index}].commandId`, commandId);
    assertOnce(`deliveries[${index}].commandId`, domain, commandId);
    assertMsgId(`deliveries[${index}].msgId`, msgId);
  });
}
