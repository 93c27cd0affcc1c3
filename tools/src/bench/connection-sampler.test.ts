import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, waitFor, type TestDatabase } from '@commandbus/testing';
import { LISTENER_APPLICATION_NAME, sampleConnections } from './connection-sampler.ts';

let database: TestDatabase | undefined;
const clients: pg.Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
  await database?.drop();
  database = undefined;
});

async function connect(url: string, applicationName?: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    ...(applicationName ? { application_name: applicationName } : {}),
  });
  await client.connect();
  clients.push(client);
  return client;
}

describe('sampleConnections', () => {
  it('counts the client connections on the scenario database, but not a LISTEN connection', async () => {
    database = await createTestDatabase();
    await connect(database.url);
    await connect(database.url);
    await connect(database.url, LISTENER_APPLICATION_NAME);
    const sampler = await sampleConnections(inject('testServer').adminUrl, database.name);
    await waitFor(() => sampler.samples >= 3, { description: 'three samples' });
    expect(await sampler.stop()).toBe(2);
  });

  it('keeps the highest count seen, not the last one', async () => {
    database = await createTestDatabase();
    const first = await connect(database.url);
    const second = await connect(database.url);
    await connect(database.url);
    const sampler = await sampleConnections(inject('testServer').adminUrl, database.name);
    await waitFor(() => sampler.samples >= 2, { description: 'two samples' });
    await Promise.all([first.end(), second.end()]);
    const seen = sampler.samples;
    // The closed connections leave pg_stat_activity shortly after; samples
    // taken after that see one.
    await waitFor(() => sampler.samples >= seen + 5, { description: 'five more samples' });
    expect(await sampler.stop()).toBe(3);
  });
});
