import { describe, expect, it } from 'vitest';
import { CommandBusError } from './command-bus-error.ts';
import { InvalidInputError } from './invalid-input-error.ts';

describe('the error root', () => {
  it('carries its code, message and cause, and is an Error', () => {
    const cause = new Error('driver said no');
    const error = new CommandBusError('QUEUE_NOT_FOUND', 'queue "x" does not exist', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'CommandBusError',
      code: 'QUEUE_NOT_FOUND',
      message: 'queue "x" does not exist',
      cause,
    });
  });

  it('a subclass is named after its class without setting a name itself', () => {
    class LeaseLostError extends CommandBusError<'LEASE_LOST'> {}
    const error = new LeaseLostError('LEASE_LOST', 'lease lost');
    expect(error.name).toBe('LeaseLostError');
    expect(String(error)).toBe('LeaseLostError: lease lost');
    expect(error).toBeInstanceOf(CommandBusError);
  });

  it('InvalidInputError is a CommandBusError that names the field, the rule and the value', () => {
    const error = new InvalidInputError('INVALID_DOMAIN', 'domain: "Pay" is invalid', {
      field: 'domain',
      rule: 'lower-case',
      value: 'Pay',
    });
    expect(error).toBeInstanceOf(CommandBusError);
    expect(error).toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_DOMAIN',
      field: 'domain',
      rule: 'lower-case',
      value: 'Pay',
    });
    expect(error.cause).toBeUndefined();
  });
});
