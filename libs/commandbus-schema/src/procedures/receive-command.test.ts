import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@commandbus/testing';
import { getBatch } from '../queries/get-batch.ts';
import { getCommand } from '../queries/get-command.ts';
import { auditEvents, forceStatus, seedBatch, seedCommands } from '../test-support/fixtures.ts';
import { schemaSql } from '../test-support/migrations.ts';
import { receiveCommand } from './receive-command.ts';

const domain = 'receiving';

describe('receiveCommand (sp_receive_command)', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  it('increments attempts, sets IN_PROGRESS and returns the row with the given msg id and max attempts', async () => {
    const [commandId] = await seedCommands(db().pool, { domain, maxAttempts: 3, msgId: 7 });
    if (!commandId) throw new Error('seed failed');
    const first = await receiveCommand(db().pool, { domain, commandId, msgId: 42, maxAttempts: 5 });
    expect(first).toMatchObject({
      domain,
      commandId,
      commandType: 'DoThing',
      status: 'IN_PROGRESS',
      attempts: 1,
      maxAttempts: 5,
      msgId: 42,
      replyQueue: null,
      batchId: null,
    });
    expect(first?.createdAt).toBeInstanceOf(Date);
    const second = await receiveCommand(db().pool, {
      domain,
      commandId,
      msgId: 42,
      maxAttempts: 5,
    });
    expect(second?.attempts).toBe(2);
    expect((await getCommand(db().pool, { domain, commandId }))?.attempts).toBe(2);
  });

  it('falls back to the stored msg_id and max_attempts when they are not given', async () => {
    const [commandId] = await seedCommands(db().pool, { domain, maxAttempts: 4, msgId: 99 });
    if (!commandId) throw new Error('seed failed');
    const row = await receiveCommand(db().pool, { domain, commandId });
    expect(row).toMatchObject({ msgId: 99, maxAttempts: 4, status: 'IN_PROGRESS' });
    expect(await auditEvents(db().pool, commandId, 'RECEIVED')).toEqual([
      { event_type: 'RECEIVED', details_json: { msg_id: 99, attempt: 1, max_attempts: 4 } },
    ]);
  });

  it('appends a RECEIVED audit row with msg_id, attempt and max_attempts', async () => {
    const [commandId] = await seedCommands(db().pool, { domain });
    if (!commandId) throw new Error('seed failed');
    await receiveCommand(db().pool, { domain, commandId, msgId: 5, maxAttempts: 3 });
    await receiveCommand(db().pool, { domain, commandId, msgId: 5, maxAttempts: 3 });
    expect(await auditEvents(db().pool, commandId, 'RECEIVED')).toEqual([
      { event_type: 'RECEIVED', details_json: { msg_id: 5, attempt: 1, max_attempts: 3 } },
      { event_type: 'RECEIVED', details_json: { msg_id: 5, attempt: 2, max_attempts: 3 } },
    ]);
  });

  it('sets the status it is given instead of IN_PROGRESS', async () => {
    const [commandId] = await seedCommands(db().pool, { domain });
    if (!commandId) throw new Error('seed failed');
    expect(
      (await receiveCommand(db().pool, { domain, commandId, newStatus: 'PENDING' }))?.status,
    ).toBe('PENDING');
  });

  it.each(['COMPLETED', 'CANCELED', 'IN_TROUBLESHOOTING_QUEUE'] as const)(
    'returns no row and changes nothing for a %s command',
    async (status) => {
      const [commandId] = await seedCommands(db().pool, { domain });
      if (!commandId) throw new Error('seed failed');
      await forceStatus(db().pool, domain, commandId, status);
      const before = await getCommand(db().pool, { domain, commandId });
      expect(await receiveCommand(db().pool, { domain, commandId, msgId: 1 })).toBeNull();
      expect(await getCommand(db().pool, { domain, commandId })).toEqual(before);
      expect(await auditEvents(db().pool, commandId)).toEqual([]);
    },
  );

  it('returns no row for an unknown command, or a known id in another domain', async () => {
    expect(await receiveCommand(db().pool, { domain, commandId: randomUUID() })).toBeNull();
    const [commandId] = await seedCommands(db().pool, { domain });
    if (!commandId) throw new Error('seed failed');
    expect(await receiveCommand(db().pool, { domain: 'other_domain', commandId })).toBeNull();
  });

  it('starts the batch of a batched command on its first receive, once', async () => {
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count: 2 });
    const [a, b] = commandIds;
    if (!a || !b) throw new Error('seed failed');
    const received = await receiveCommand(db().pool, { domain, commandId: a });
    expect(received?.batchId).toBe(batchId);
    const started = await getBatch(db().pool, { domain, batchId });
    expect(started).toMatchObject({ status: 'IN_PROGRESS' });
    expect(started?.startedAt).toBeInstanceOf(Date);
    await receiveCommand(db().pool, { domain, commandId: b });
    expect((await getBatch(db().pool, { domain, batchId }))?.startedAt).toEqual(started?.startedAt);
    expect(await auditEvents(db().pool, batchId)).toEqual([
      { event_type: 'BATCH_STARTED', details_json: { batch_id: batchId, total_count: 2 } },
    ]);
  });
});
