// Database restart: PostgreSQL is stopped and started under load, once in
// fast and once in immediate (crash-like) mode. Workers and producers must
// reconnect on their own: no worker process may exit, nothing may be lost.
import { setTimeout as sleep } from 'node:timers/promises';
import { SHUTDOWN_MODES } from '@commandbus/embedded-postgres';
import type { Scenario } from '../scenario.ts';
import { sendAllPaced } from '../sending.ts';
import { settleFaultLoad, startFaultLoad } from './fault-load.ts';

const DOMAIN = 'chaos_restart';
/** How long PostgreSQL stays down each time: several reconnect backoffs long. */
const DOWNTIME_MS = 2_000;

export const dbRestart: Scenario = {
  name: 'db-restart',
  description: 'PostgreSQL stopped and started under load (fast, then immediate)',
  async run(context) {
    const load = await startFaultLoad(context, DOMAIN);

    const windowMs = context.seconds * 1_000;
    let restarts = 0;
    const restarter = (async () => {
      for (const [index, mode] of SHUTDOWN_MODES.entries()) {
        await sleep(windowMs / (SHUTDOWN_MODES.length + 1));
        context.say(`  ${DOMAIN}: stopping PostgreSQL (${mode}) #${index + 1}`);
        await context.server.shutdown(mode);
        await sleep(DOWNTIME_MS);
        await context.server.start();
        restarts += 1;
        context.say(`  ${DOMAIN}: PostgreSQL is back`);
      }
    })();

    const stats = await sendAllPaced(context.pool, DOMAIN, load.sends, windowMs, 2);
    await restarter;
    context.say(
      `  ${DOMAIN}: all ${load.expected.size} sent (${stats.retries} sends repeated after an outage)`,
    );

    // A commit whose acknowledgement the restart swallowed is announced by nobody.
    const verdict = await settleFaultLoad(context, load);
    return { ...verdict, kills: 0, restarts };
  },
};
