import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '@commandbus/testing';
import { PROCEDURES, PROCEDURE_SCHEMA, type ProcedureSpec } from './procedures/registry.ts';
import { receivedCommandRecordSchema } from './rows.ts';
import { schemaSql } from './test-support/migrations.ts';

// What the migrated database says about each function in schema commandbus.
const procRow = z.object({
  proname: z.string(),
  arg_names: z.array(z.string()),
  arg_types: z.array(z.string()),
  arg_modes: z.array(z.string()),
  defaults: z.number(),
  result_type: z.string(),
});

describe('procedure registry drift', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  async function databaseProcedures() {
    return db().pool.any(sql.type(procRow)`
      SELECT p.proname,
             COALESCE(p.proargnames, '{}') AS arg_names,
             ARRAY(SELECT t.typname::text
                     FROM unnest(COALESCE(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS a(oid, n)
                     JOIN pg_type t ON t.oid = a.oid ORDER BY a.n) AS arg_types,
             COALESCE(p.proargmodes::text[], array_fill('i'::text, ARRAY[p.pronargs::int])) AS arg_modes,
             p.pronargdefaults::int AS defaults,
             (SELECT typname::text FROM pg_type WHERE oid = p.prorettype) AS result_type
        FROM pg_proc p
       WHERE p.pronamespace = ${PROCEDURE_SCHEMA}::regnamespace
       ORDER BY p.proname
    `);
  }

  it('has a wrapper for every function in schema commandbus, and a function for every wrapper', async () => {
    const inDatabase = (await databaseProcedures()).map((p) => p.proname).sort();
    const wrapped = Object.values(PROCEDURES)
      .map((spec) => spec.sqlName)
      .sort();
    expect(wrapped).toEqual(inDatabase);
  });

  it("matches each wrapper's parameter names, order, types and defaults to pg_proc", async () => {
    const byName = new Map((await databaseProcedures()).map((p) => [p.proname, p]));
    for (const [wrapper, spec] of Object.entries(PROCEDURES) as [string, ProcedureSpec][]) {
      const proc = byName.get(spec.sqlName);
      expect(proc, `${wrapper} → ${spec.sqlName}`).toBeDefined();
      if (!proc) continue;
      const inputs = proc.arg_modes.flatMap((mode, i) =>
        mode === 'i' ? [{ name: proc.arg_names[i], type: proc.arg_types[i] }] : [],
      );
      expect(inputs, wrapper).toEqual(spec.params.map(({ name, type }) => ({ name, type })));
      // Defaults are trailing in SQL; the registry must mark exactly those.
      const marked = spec.params.filter((p) => p.hasDefault).length;
      expect(marked, `${wrapper} defaults`).toBe(proc.defaults);
      expect(
        spec.params.slice(spec.params.length - marked).every((p) => p.hasDefault),
        wrapper,
      ).toBe(true);
      if (spec.returns === 'bool') {
        expect(proc.result_type, wrapper).toBe('bool');
      } else {
        const outputs = proc.arg_modes.flatMap((mode, i) =>
          mode === 't' ? [proc.arg_names[i]] : [],
        );
        expect(outputs, `${wrapper} result columns`).toEqual(spec.returns.table);
      }
    }
  });

  it('parses exactly the columns sp_receive_command returns', () => {
    const table = PROCEDURES.receiveCommand.returns.table;
    expect(Object.keys(receivedCommandRecordSchema.shape)).toEqual([...table]);
  });
});
