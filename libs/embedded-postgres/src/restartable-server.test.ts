// The restartable server keeps its data, port and URL across fast and
// immediate (crash-like) shutdowns, and leaves nothing behind when disposed.
import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startRestartableServer } from './restartable-server.ts';

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('startRestartableServer', () => {
  it('keeps committed data through fast and immediate shutdowns, on the same URL', async () => {
    const server = await startRestartableServer({ settings: { synchronous_commit: 'on' } });
    try {
      await query(server.url, 'CREATE TABLE kept (n INT); INSERT INTO kept VALUES (1)');
      for (const [n, mode] of [
        [2, 'immediate'],
        [3, 'fast'],
      ] as const) {
        await server.shutdown(mode);
        expect(server.running).toBe(false);
        await expect(query(server.url, 'SELECT 1')).rejects.toThrow();
        await server.start();
        await query(server.url, `INSERT INTO kept VALUES (${n})`);
      }
      expect(await query<{ n: number }>(server.url, 'SELECT n FROM kept ORDER BY n')).toEqual([
        { n: 1 },
        { n: 2 },
        { n: 3 },
      ]);
    } finally {
      await server.dispose();
    }
    expect(existsSync(server.dataDir)).toBe(false);
  });
});
