// kill -9: three worker processes work N commands (some in batches) while one
// of them, chosen at random, is SIGKILLed about every two seconds and
// restarted, for the whole run. Nothing may be lost or done twice.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from '../scenario.ts';
import { sendAllPaced } from '../sending.ts';
import { settleFaultLoad, startFaultLoad } from './fault-load.ts';

const DOMAIN = 'chaos_kill';
const KILL_EVERY_MS = 2_000;

export const kill9: Scenario = {
  name: 'kill9',
  description: '3 workers, one SIGKILLed and restarted about every 2 s',
  async run(context) {
    const load = await startFaultLoad(context, DOMAIN);
    const { fleet } = load;

    const stopKilling = new AbortController();
    const killer = (async () => {
      while (!stopKilling.signal.aborted) {
        // Jittered, so kills land at every point of a delivery.
        const pause = KILL_EVERY_MS * (0.75 + Math.random() * 0.5);
        const interrupted = await sleep(pause, false, { signal: stopKilling.signal }).catch(
          () => true,
        );
        if (interrupted) return;
        await fleet.killOne();
      }
    })();

    await sendAllPaced(context.pool, DOMAIN, load.sends, context.seconds * 1_000, 4);
    context.say(
      `  ${DOMAIN}: all ${load.expected.size} sent (${fleet.kills} kills so far); waiting for the rest`,
    );

    const verdict = await settleFaultLoad(context, load, async () => {
      stopKilling.abort();
      await killer;
    });
    return { ...verdict, kills: fleet.kills, restarts: 0 };
  },
};
