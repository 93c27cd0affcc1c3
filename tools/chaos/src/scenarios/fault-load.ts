// What the kill and restart scenarios share around their fault: the default
// workload, the fleet it runs on, and the ending, in which a batch may have
// lost its announcement with the process or connection that committed it.
import { settleAndVerify, type ScenarioContext } from '../scenario.ts';
import type { Expectation, Verdict } from '../verify.ts';
import { planWorkload, plannedCommands, type PlannedSend } from '../workload.ts';
import { startFleet, type WorkerFleet } from '../worker-fleet.ts';
import { expectationsOf } from './expectations.ts';

export interface FaultLoad {
  readonly domain: string;
  readonly sends: readonly PlannedSend[];
  readonly expected: ReadonlyMap<string, Expectation>;
  readonly fleet: WorkerFleet;
}

/** N commands of the default workload, and three workers of eight slots on 3 s leases. */
export async function startFaultLoad(context: ScenarioContext, domain: string): Promise<FaultLoad> {
  const sends = planWorkload(context.commands);
  const expected = expectationsOf(plannedCommands(sends));
  const fleet = await startFleet(context, { domain, size: 3, concurrency: 8, vtSeconds: 3 });
  return { domain, sends, expected, fleet };
}

/** Waits for every command to settle, stops the fleet (after `beforeStop`) and checks. */
export function settleFaultLoad(
  context: ScenarioContext,
  load: FaultLoad,
  beforeStop?: () => Promise<void>,
): Promise<Verdict> {
  const { domain, expected, fleet } = load;
  return settleAndVerify(context, {
    fleet,
    settleTimeoutMs: 180_000,
    beforeStop,
    verifyInput: {
      domain,
      expected,
      announcements: (batchId) => fleet.batchAnnouncements(batchId),
      announcementsMayBeLost: true,
    },
  });
}
