import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@commandbus/testing';
import { getBatch } from '../queries/get-batch.ts';
import { getCommand } from '../queries/get-command.ts';
import { auditEvents, forceStatus, seedBatch, seedCommands } from '../test-support/fixtures.ts';
import { schemaSql } from '../test-support/migrations.ts';
import { failCommand } from './fail-command.ts';
import { receiveCommand } from './receive-command.ts';

const domain = 'failing';
const failure = {
  errorType: 'TRANSIENT',
  errorCode: 'TIMEOUT',
  errorMsg: 'upstream took 30 s',
  attempt: 1,
  maxAttempts: 3,
  msgId: 17,
} as const;

describe('failCommand (sp_fail_command)', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  it('records the error, sets the command back to PENDING and appends a FAILED audit row with the details', async () => {
    const [commandId] = await seedCommands(db().pool, { domain });
    if (!commandId) throw new Error('seed failed');
    await receiveCommand(db().pool, { domain, commandId });
    expect(await failCommand(db().pool, { domain, commandId, ...failure })).toBe(true);
    expect(await getCommand(db().pool, { domain, commandId })).toMatchObject({
      status: 'PENDING',
      attempts: 1,
      lastErrorType: 'TRANSIENT',
      lastErrorCode: 'TIMEOUT',
      lastErrorMsg: 'upstream took 30 s',
    });
    expect(await auditEvents(db().pool, commandId, 'FAILED')).toEqual([
      {
        event_type: 'FAILED',
        details_json: {
          msg_id: 17,
          attempt: 1,
          max_attempts: 3,
          error_type: 'TRANSIENT',
          error_code: 'TIMEOUT',
          error_msg: 'upstream took 30 s',
        },
      },
    ]);
  });

  it('leaves the batch counters alone (a retried command is not finished)', async () => {
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count: 1 });
    const [commandId] = commandIds;
    if (!commandId) throw new Error('seed failed');
    await receiveCommand(db().pool, { domain, commandId });
    await failCommand(db().pool, { domain, commandId, ...failure });
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'IN_PROGRESS',
      completedCount: 0,
      canceledCount: 0,
      inTroubleshootingCount: 0,
    });
  });

  it('returns false and writes nothing for an unknown command', async () => {
    const commandId = randomUUID();
    expect(await failCommand(db().pool, { domain, commandId, ...failure })).toBe(false);
    expect(await auditEvents(db().pool, commandId)).toEqual([]);
  });

  it.each(['COMPLETED', 'CANCELED', 'IN_TROUBLESHOOTING_QUEUE'] as const)(
    'returns false and writes nothing for a %s command',
    async (status) => {
      const [commandId] = await seedCommands(db().pool, { domain });
      if (!commandId) throw new Error('seed failed');
      await forceStatus(db().pool, domain, commandId, status);
      const before = await getCommand(db().pool, { domain, commandId });
      expect(await failCommand(db().pool, { domain, commandId, ...failure })).toBe(false);
      expect(await getCommand(db().pool, { domain, commandId })).toEqual(before);
      expect(await auditEvents(db().pool, commandId)).toEqual([]);
    },
  );
});
