// Fixture Flyway locations in temp dirs (tests never touch the real V001) and
// a fresh database per test, both cleaned up after the test file.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@commandbus/testing';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp directory holding `files` (name → content, `/` makes sub-folders); removed after the file's tests. */
export async function fixtureLocation(
  files: Readonly<Record<string, string | Uint8Array>>,
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cb-migrations-'));
  made.push(dir);
  await writeFiles(dir, files);
  return dir;
}

export async function writeFiles(
  dir: string,
  files: Readonly<Record<string, string | Uint8Array>>,
): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

/** A fresh database of its own for one test (dropped after the file's tests). */
export async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase({ poolSize: 2 });
  databases.push(database);
  return database;
}
