// vitest global setup: one server per run and one template database that
// already has the pgmq extension, so each test file's database is a cheap copy.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { resolveTestServer } from './server-resolution.ts';
import { quoteIdent } from './quote-ident.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testServer: { adminUrl: string; templateDatabase: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await resolveTestServer();
  console.log(`[commandbus tests] database server: ${server.description}`);
  const templateDatabase = `cb_template_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(server.adminUrl);
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${quoteIdent(templateDatabase)}`);
    const template = new pg.Client(withDatabase(server.adminUrl, templateDatabase));
    await template.connect();
    await template.query('CREATE EXTENSION IF NOT EXISTS pgmq');
    await template.end();
  } catch (error) {
    await admin.end().catch(() => undefined);
    await server.stop();
    throw error;
  }
  project.provide('testServer', { adminUrl: server.adminUrl, templateDatabase });

  return async () => {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(templateDatabase)} WITH (FORCE)`);
      await admin.end();
    } finally {
      await server.stop();
    }
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
