// The (domain, command_id) key that the single-command queries take, and the
// (domain, command_ids) form of the many-command ones.
import { assertArray, assertDomain, assertUuid } from '../validation.ts';

export interface CommandRefInput {
  readonly domain: string;
  readonly commandId: string;
}

export function assertCommandRef(input: CommandRefInput): void {
  assertDomain(input.domain);
  assertUuid('commandId', input.commandId);
}

export function assertCommandIds(
  domain: unknown,
  commandIds: unknown,
): asserts commandIds is string[] {
  assertDomain(domain);
  assertArray('commandIds', commandIds);
  commandIds.forEach((id, i) => assertUuid(`commandIds[${i}]`, id));
}
