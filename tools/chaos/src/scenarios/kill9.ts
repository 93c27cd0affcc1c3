// kill -9: three worker processes work N commands (some in batches) while one
// of them, chosen at random, is SIGKILLed about every two seconds and
// restarted, for the whole run. Nothing may be lost or done twice.
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer } from '@commandbus/commandbus';
import { settleAndVerify, silentLogger, type Scenario } from '../scenario.ts';
import { sendPaced, sendWithRetry, type SendStats } from '../sending.ts';
import { planWorkload, plannedCommands } from '../workload.ts';
import { startFleet } from '../worker-fleet.ts';
import { expectationsOf } from './expectations.ts';

const DOMAIN = 'chaos_kill';
const KILL_EVERY_MS = 2_000;

export const kill9: Scenario = {
  name: 'kill9',
  description: '3 workers, one SIGKILLed and restarted about every 2 s',
  async run(context) {
    const sends = planWorkload(context.commands);
    const expected = expectationsOf(plannedCommands(sends));
    const fleet = await startFleet(context, {
      domain: DOMAIN,
      size: 3,
      concurrency: 8,
      vtSeconds: 3,
    });

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

    const producer = new Producer({ pool: context.pool, domain: DOMAIN, logger: silentLogger });
    const stats: SendStats = { retries: 0 };
    const deadline = Date.now() + context.seconds * 1_000 + 120_000;
    await sendPaced(sends, context.seconds * 1_000, 4, (send) =>
      sendWithRetry(producer, context.pool, send, stats, deadline),
    );
    context.say(
      `  ${DOMAIN}: all ${expected.size} sent (${fleet.kills} kills so far); waiting for the rest`,
    );

    const verdict = await settleAndVerify(context, {
      fleet,
      settleTimeoutMs: 180_000,
      beforeStop: async () => {
        stopKilling.abort();
        await killer;
      },
      verifyInput: {
        domain: DOMAIN,
        expected,
        announcements: (batchId) => fleet.batchAnnouncements(batchId),
        announcementsMayBeLost: true,
      },
    });
    return { ...verdict, kills: fleet.kills, restarts: 0 };
  },
};
