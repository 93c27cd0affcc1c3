// Slow handlers: every handler runs two to three leases long. With lease
// extension on (the default) no command may be delivered twice, so no two
// runs of one command may overlap (checked on the execution log's times).
import { Producer } from '@commandbus/commandbus';
import { settleAndVerify, silentLogger, type Scenario } from '../scenario.ts';
import { sendWithRetry } from '../sending.ts';
import { planWorkload, plannedCommands } from '../workload.ts';
import { startFleet } from '../worker-fleet.ts';
import { expectationsOf } from './expectations.ts';

const DOMAIN = 'chaos_slow';
const LEASE_SECONDS = 1;
const COMMANDS = 16;

export const slowHandlers: Scenario = {
  name: 'slow-handlers',
  description: `handlers 2.5-3.5x their ${LEASE_SECONDS} s lease, lease extension on`,
  async run(context) {
    const sends = planWorkload(COMMANDS, {
      batchShare: 0.5,
      batchSize: COMMANDS / 2,
      chunkSize: COMMANDS / 2,
      permanentShare: 0,
      maxSleepMs: 0,
    }).map((send) => ({
      ...send,
      commands: send.commands.map((c) => ({
        ...c,
        sleepMs: Math.round(LEASE_SECONDS * 1_000 * (2.5 + Math.random())),
      })),
    }));
    const expected = expectationsOf(plannedCommands(sends));
    const fleet = await startFleet(context, {
      domain: DOMAIN,
      size: 2,
      concurrency: 4,
      vtSeconds: LEASE_SECONDS,
    });
    const producer = new Producer({ pool: context.pool, domain: DOMAIN, logger: silentLogger });
    for (const send of sends)
      await sendWithRetry(producer, context.pool, send, { retries: 0 }, Date.now() + 30_000);

    const verdict = await settleAndVerify(context, {
      fleet,
      settleTimeoutMs: 120_000,
      verifyInput: {
        domain: DOMAIN,
        expected,
        announcements: (batchId) => fleet.batchAnnouncements(batchId),
        singleDelivery: true,
        noOverlap: true,
      },
    });
    return { ...verdict, kills: 0, restarts: 0 };
  },
};
