// The (domain, command_id) key that the single-command queries take.
import { assertDomain, assertUuid } from '../validation.ts';

export interface CommandRefInput {
  readonly domain: string;
  readonly commandId: string;
}

export function assertCommandRef(input: CommandRefInput): void {
  assertDomain(input.domain);
  assertUuid('commandId', input.commandId);
}
