import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CommandBusError } from '@commandbus/errors';
import { describeFailure, EXIT } from './failure.ts';
import { UsageError } from './usage-error.ts';

describe('describeFailure', () => {
  it('a CommandBusError fails with exit 1 and its code', () => {
    const failure = describeFailure(new CommandBusError('COMMAND_NOT_FOUND', 'no command x'));
    expect(failure).toEqual({
      exitCode: EXIT.failed,
      code: 'COMMAND_NOT_FOUND',
      message: 'no command x',
      alreadyPrinted: false,
    });
  });

  it('a UsageError is exit 2 with code USAGE', () => {
    expect(describeFailure(new UsageError('give --type'))).toMatchObject({
      exitCode: EXIT.usage,
      code: 'USAGE',
      message: 'give --type',
    });
  });

  it('any other error fails with exit 1 and no code, whatever its own `code` looks like', () => {
    const foreign = Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' });
    expect(describeFailure(foreign)).toMatchObject({ exitCode: EXIT.failed, code: undefined });
    expect(describeFailure('a thrown string')).toMatchObject({
      exitCode: EXIT.failed,
      code: undefined,
      message: 'a thrown string',
    });
  });

  it("commander's errors were printed by commander: help is exit 0, the rest exit 2", () => {
    const help = new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)');
    const unknown = new CommanderError(1, 'commander.unknownOption', "error: unknown option '-x'");
    expect(describeFailure(help)).toMatchObject({ exitCode: EXIT.ok, alreadyPrinted: true });
    expect(describeFailure(unknown)).toMatchObject({ exitCode: EXIT.usage, alreadyPrinted: true });
  });

  it('the message is one line, and no password survives in it', () => {
    const url = 'postgres://app:Sup3r-S3cret@db.example/x';
    const error = new Error(`cannot connect to ${url}\n  password Sup3r-S3cret was rejected`);
    const plain = describeFailure(error);
    expect(plain.message).toBe(
      'cannot connect to postgres://app:***@db.example/x password Sup3r-S3cret was rejected',
    );
    const knowingTheUrl = describeFailure(error, url);
    expect(knowingTheUrl.message).toBe(
      'cannot connect to postgres://app:***@db.example/x password *** was rejected',
    );
  });
});
