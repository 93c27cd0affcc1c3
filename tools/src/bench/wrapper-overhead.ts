// `npm run bench:wrappers`: what the typed wrappers (input validation, the
// registry-built call, zod parsing) cost over the same procedure calls sent
// as raw SQL. Times N receive+finish pairs each way on one connection of a
// throw-away embedded PostgreSQL. Not a test: it prints numbers.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createPool, sql, type CommonQueryMethods } from 'slonik';
import {
  finishCommand,
  insertCommands,
  receiveCommand,
  schemaSqlDir,
} from '@commandbus/commandbus-schema';
import { startEmbeddedServer, type EmbeddedServer } from '@commandbus/embedded-postgres';

const DOMAIN = 'bench';
const pairs = Number(process.argv[2] ?? process.env.BENCH_PAIRS ?? 2000);
if (!Number.isInteger(pairs) || pairs < 1) {
  console.error(
    `usage: node tools/src/bench/wrapper-overhead.ts [pairs]   (got ${JSON.stringify(process.argv[2])})`,
  );
  process.exit(2);
}

/** One receive+finish pair for one command, through one of the contenders. */
type Pair = (commandId: string) => Promise<unknown>;

async function seed(db: CommonQueryMethods, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 5000) {
    await insertCommands(
      db,
      ids.slice(i, i + 5000).map((commandId, j) => ({
        domain: DOMAIN,
        queueName: `${DOMAIN}__commands`,
        commandId,
        commandType: 'Bench',
        maxAttempts: 3,
        msgId: i + j + 1,
      })),
    );
  }
  return ids;
}

function wrapperPair(db: CommonQueryMethods): Pair {
  return async (commandId) => {
    await receiveCommand(db, { domain: DOMAIN, commandId, msgId: 1, maxAttempts: 3 });
    await finishCommand(db, {
      domain: DOMAIN,
      commandId,
      status: 'COMPLETED',
      eventType: 'COMPLETED',
    });
  };
}

function rawSlonikPair(db: CommonQueryMethods): Pair {
  return async (commandId) => {
    await db.query(
      sql.unsafe`SELECT * FROM commandbus.sp_receive_command(${DOMAIN}, ${commandId}::uuid, 'IN_PROGRESS', ${1}, ${3})`,
    );
    await db.query(
      sql.unsafe`SELECT commandbus.sp_finish_command(${DOMAIN}, ${commandId}::uuid, 'COMPLETED', 'COMPLETED')`,
    );
  };
}

function rawPgPair(client: pg.Client): Pair {
  return async (commandId) => {
    await client.query(
      "SELECT * FROM commandbus.sp_receive_command($1, $2::uuid, 'IN_PROGRESS', $3, $4)",
      [DOMAIN, commandId, 1, 3],
    );
    await client.query(
      "SELECT commandbus.sp_finish_command($1, $2::uuid, 'COMPLETED', 'COMPLETED')",
      [DOMAIN, commandId],
    );
  };
}

interface Totals {
  /** Wall-clock seconds: client work plus the round trips and the server's work. */
  wall: number;
  /** This Node process's CPU seconds: the client-side share alone. */
  cpu: number;
}

/**
 * Runs the contenders interleaved, pair by pair in rotating order, and sums
 * each one's time: on a busy machine, load that comes and goes then hits all
 * contenders alike instead of whichever happened to run at that moment.
 */
async function race(
  contenders: readonly [string, Pair][],
  ids: readonly string[][],
): Promise<Totals[]> {
  const totals = contenders.map(() => ({ wall: 0, cpu: 0 }));
  const count = Math.min(...ids.map((list) => list.length));
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = (i + k) % contenders.length;
      const pair = contenders[c]?.[1];
      const commandId = ids[c]?.[i];
      const total = totals[c];
      if (!pair || !commandId || !total) throw new Error('unreachable: one id list per contender');
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      await pair(commandId);
      total.wall += Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      total.cpu += (cpu.user + cpu.system) / 1e6;
    }
  }
  return totals;
}

async function main(): Promise<void> {
  let server: EmbeddedServer | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void (server?.stop() ?? Promise.resolve()).finally(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    console.log('starting embedded PostgreSQL…');
    server = await startEmbeddedServer({ disposable: true });
    const migration = await readFile(
      path.join(schemaSqlDir, 'V001__commandbus_schema.sql'),
      'utf8',
    );
    const client = new pg.Client(server.url);
    await client.connect();
    const pool = await createPool(server.url, { maximumPoolSize: 1 });
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pgmq');
      await client.query(migration);
      // The slonik contenders share one pooled connection held for the whole
      // run: a bare pool.query would add slonik's per-checkout reset to each call.
      await pool.connect(async (connection) => {
        const contenders: [string, Pair][] = [
          ['wrappers (slonik)', wrapperPair(connection)],
          ['raw SQL (slonik)', rawSlonikPair(connection)],
          ['raw SQL (pg.Client)', rawPgPair(client)],
        ];
        const seedAll = (n: number) => Promise.all(contenders.map(() => seed(connection, n)));
        await race(contenders, await seedAll(200)); // warm-up: plans, caches, JIT
        const totals = await race(contenders, await seedAll(pairs));
        const perCall = (seconds: number) => ((seconds / (2 * pairs)) * 1e6).toFixed(1).padStart(7);
        console.log(`\n${pairs} receive+finish pairs per contender, interleaved\n`);
        console.log(
          `${'contender'.padEnd(22)} ${'calls/s'.padStart(8)}  µs/call  node CPU µs/call`,
        );
        contenders.forEach(([name], i) => {
          const { wall, cpu } = totals[i] ?? { wall: NaN, cpu: NaN };
          console.log(
            `${name.padEnd(22)} ${((2 * pairs) / wall).toFixed(0).padStart(8)}  ${perCall(wall)}  ${perCall(cpu)}`,
          );
        });
        const [wrapped, raw] = totals;
        if (!wrapped || !raw) return;
        console.log(
          `\nwrapper overhead vs raw SQL on the same slonik connection: ×${(wrapped.wall / raw.wall).toFixed(3)} wall-clock ` +
            `(${perCall(wrapped.wall - raw.wall).trim()} µs per call), ` +
            `${perCall(wrapped.cpu - raw.cpu).trim()} µs of client CPU per call`,
        );
      });
    } finally {
      await pool.end();
      await client.end();
    }
  } finally {
    await server?.stop();
  }
}

await main();
