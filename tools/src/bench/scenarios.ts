// Every scenario of `npm run bench`, in run order. Modules are imported only
// by the process that runs the scenario, so each loads just its own system.
import type {
  Scenario,
  ScenarioContext,
  ScenarioKind,
  ScenarioOutcome,
  System,
} from './scenario.ts';

/** What a scenario module exports; `variant` is its parameter (concurrency, batching, …). */
interface ScenarioModule<V> {
  prepare(context: ScenarioContext, variant: V): Promise<void>;
  run(context: ScenarioContext, variant: V): Promise<ScenarioOutcome>;
}

function define<V>(
  name: string,
  system: System,
  kind: ScenarioKind,
  load: () => Promise<ScenarioModule<V>>,
  variant: V,
  extra: Pick<Scenario, 'memory' | 'fixedCount'> = {},
): Scenario {
  return {
    name,
    system,
    kind,
    ...extra,
    prepare: async (context) => (await load()).prepare(context, variant),
    run: async (context) => (await load()).run(context, variant),
  };
}

const MEMORY = { memory: true, fixedCount: 100_000 } as const;

// Each target's scenarios run next to each other (a floor, then the
// commandbus scenario held against it, then the peer), so that a slow spell
// of the machine falls on both sides of a ratio.
export const SCENARIOS: readonly Scenario[] = [
  define('pgmq.send', 'pgmq', 'send', () => import('./scenarios/pgmq-send.ts'), undefined),
  define('floor.send', 'floor', 'send', () => import('./scenarios/floor-send.ts'), undefined),
  define(
    'commandbus.send',
    'commandbus',
    'send',
    () => import('./scenarios/commandbus-send.ts'),
    'held',
  ),
  define(
    'commandbus.send.pool',
    'commandbus',
    'send',
    () => import('./scenarios/commandbus-send.ts'),
    'pool',
  ),
  define('pg-boss.send', 'pg-boss', 'send', () => import('./scenarios/pg-boss-send.ts'), undefined),
  define(
    'pgmq.send_batch',
    'pgmq',
    'send',
    () => import('./scenarios/pgmq-send-batch.ts'),
    undefined,
  ),
  define(
    'floor.send_batch',
    'floor',
    'send',
    () => import('./scenarios/floor-send-batch.ts'),
    undefined,
  ),
  define(
    'commandbus.send_batch',
    'commandbus',
    'send',
    () => import('./scenarios/commandbus-send-batch.ts'),
    100,
  ),
  define('pgmq.drain', 'pgmq', 'drain', () => import('./scenarios/pgmq-drain.ts'), undefined),
  define('floor.drain.r32', 'floor', 'drain', () => import('./scenarios/floor-drain.ts'), 32),
  define(
    'commandbus.e2e.c32',
    'commandbus',
    'drain',
    () => import('./scenarios/commandbus-e2e.ts'),
    32,
  ),
  define(
    'commandbus.e2e.c1',
    'commandbus',
    'drain',
    () => import('./scenarios/commandbus-e2e.ts'),
    1,
  ),
  define(
    'commandbus.e2e.c8',
    'commandbus',
    'drain',
    () => import('./scenarios/commandbus-e2e.ts'),
    8,
  ),
  define('floor.drain.r500', 'floor', 'drain', () => import('./scenarios/floor-drain.ts'), 500),
  // Concurrency 32 and whatever prefetch the Worker has by default: no option passed.
  define(
    'commandbus.e2e.prefetch',
    'commandbus',
    'drain',
    () => import('./scenarios/commandbus-e2e.ts'),
    32,
  ),
  define(
    'pg-boss.drain',
    'pg-boss',
    'drain',
    () => import('./scenarios/pg-boss-drain.ts'),
    undefined,
  ),
  define(
    'commandbus.e2e.procs4',
    'commandbus',
    'drain',
    () => import('./scenarios/commandbus-e2e-procs.ts'),
    { processes: 4, concurrency: 8 },
  ),
  define(
    'graphile-worker.drain',
    'graphile-worker',
    'drain',
    () => import('./scenarios/graphile-worker-drain.ts'),
    false,
  ),
  define(
    'graphile-worker.drain.batched',
    'graphile-worker',
    'drain',
    () => import('./scenarios/graphile-worker-drain.ts'),
    true,
  ),
  define(
    'commandbus.latency',
    'commandbus',
    'fixed',
    () => import('./scenarios/commandbus-latency.ts'),
    undefined,
  ),
  // Sent in the Python command bus's format and woken on the channel both libraries share.
  define(
    'commandbus.interop.wakeup',
    'commandbus',
    'fixed',
    () => import('./scenarios/interop-wakeup.ts'),
    undefined,
  ),
  define(
    'pg-boss.latency',
    'pg-boss',
    'fixed',
    () => import('./scenarios/pg-boss-latency.ts'),
    false,
  ),
  define(
    'pg-boss.latency.notify',
    'pg-boss',
    'fixed',
    () => import('./scenarios/pg-boss-latency.ts'),
    true,
  ),
  define(
    'graphile-worker.latency',
    'graphile-worker',
    'fixed',
    () => import('./scenarios/graphile-worker-latency.ts'),
    undefined,
  ),
  define(
    'commandbus.memory.send_batch_100k',
    'commandbus',
    'fixed',
    () => import('./scenarios/commandbus-memory-send-batch.ts'),
    undefined,
    MEMORY,
  ),
  define(
    'commandbus.memory.drain_100k',
    'commandbus',
    'fixed',
    () => import('./scenarios/commandbus-memory-drain.ts'),
    undefined,
    MEMORY,
  ),
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name);
}
