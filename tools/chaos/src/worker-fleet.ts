// Real worker processes (`apps/worker` with the chaos handlers): started,
// SIGKILLed and restarted by the scenarios, their output kept in log files.
// A worker that crashes is a broken promise ("the worker neither crashes nor
// loses a command"): it is recorded, then restarted so the run can still
// finish and show what else went wrong. A worker stopped by a SIGTERM or
// SIGINT we did not send (someone else on the machine) is restarted and
// only counted: an orderly stop is not a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './wait-until.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const workerMain = path.resolve(here, '../../../apps/worker/src/main.ts');
const handlersModule = path.resolve(here, 'handlers.ts');
const TERMINATION_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export interface FleetOptions {
  readonly url: string;
  readonly domain: string;
  readonly size: number;
  readonly concurrency: number;
  /** Lease in seconds. */
  readonly vtSeconds: number;
  readonly logDir: string;
}

interface Slot {
  readonly index: number;
  child: ChildProcess;
  started: boolean;
  /** Set before we signal it: its exit is expected. */
  expectingExit: boolean;
  exited: Promise<void>;
  generation: number;
}

export interface UnexpectedExit {
  readonly worker: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly log: string;
}

export class WorkerFleet {
  readonly #options: FleetOptions;
  readonly #slots: Slot[] = [];
  readonly #logs: WriteStream[] = [];
  readonly #batchAnnouncements = new Map<string, number>();
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** Workers stopped by a termination signal from outside the suite. */
  stoppedFromOutside = 0;
  kills = 0;
  #stopping = false;

  constructor(options: FleetOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    for (let index = 0; index < this.#options.size; index += 1)
      this.#slots.push(this.#spawn(index, 0));
    await this.#waitStarted(this.#slots);
  }

  /** SIGKILLs one random worker mid-whatever and starts a replacement. */
  async killOne(): Promise<void> {
    const slot = this.#slots[Math.floor(Math.random() * this.#slots.length)];
    if (!slot) throw new Error('the fleet has no workers');
    slot.expectingExit = true;
    slot.child.kill('SIGKILL');
    await slot.exited;
    this.kills += 1;
    this.#replace(slot);
  }

  /** How often the workers announced that a batch completed (log line `batch completed`). */
  batchAnnouncements(batchId: string): number {
    return this.#batchAnnouncements.get(batchId) ?? 0;
  }

  /** SIGTERM, as in production: in-flight handlers finish; SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    for (const slot of this.#slots) {
      slot.expectingExit = true;
      if (slot.child.exitCode === null && slot.child.signalCode === null)
        slot.child.kill('SIGTERM');
    }
    const all = Promise.all(this.#slots.map((slot) => slot.exited));
    const timer = setTimeout(() => {
      for (const slot of this.#slots) if (slot.child.exitCode === null) slot.child.kill('SIGKILL');
    }, graceMs);
    await all;
    clearTimeout(timer);
    await Promise.all(
      this.#logs.map((stream) => new Promise<void>((resolve) => stream.end(resolve))),
    );
  }

  #spawn(index: number, generation: number): Slot {
    const { url, domain, concurrency, vtSeconds, logDir } = this.#options;
    const log = createWriteStream(path.join(logDir, `${domain}-worker${index}-${generation}.log`));
    this.#logs.push(log);
    const child = spawn(
      process.execPath,
      [
        workerMain,
        '--domain',
        domain,
        '--handlers',
        handlersModule,
        '--concurrency',
        String(concurrency),
        '--vt',
        String(vtSeconds),
        '--poll-interval-ms',
        '250',
        '--grace-ms',
        '5000',
      ],
      {
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const slot: Slot = {
      index,
      child,
      started: false,
      expectingExit: false,
      exited: Promise.resolve(),
      generation,
    };
    let tail = '';
    let pending = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-4_000);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.#scan(slot, line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    slot.exited = new Promise((resolve) => {
      // 'close', not 'exit': output may still arrive after exit, and the log
      // file must not be ended before it is written.
      child.on('close', (code, signal) => {
        if (!slot.expectingExit) {
          // Exit 0 only follows SIGINT/SIGTERM (apps/worker waits for one);
          // a bare termination signal hit it before its handler was installed.
          if (code === 0 || (signal !== null && TERMINATION_SIGNALS.includes(signal)))
            this.stoppedFromOutside += 1;
          else this.unexpectedExits.push({ worker: index, code, signal, log: tail });
          if (!this.#stopping) this.#replace(slot);
        }
        resolve();
      });
    });
    return slot;
  }

  #replace(slot: Slot): void {
    const next = this.#spawn(slot.index, slot.generation + 1);
    this.#slots[slot.index] = next;
  }

  #scan(slot: Slot, line: string): void {
    if (!line.startsWith('{')) return;
    let entry: { msg?: unknown; batchId?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (entry.msg === 'worker started') slot.started = true;
    if (entry.msg === 'batch completed' && typeof entry.batchId === 'string') {
      this.#batchAnnouncements.set(
        entry.batchId,
        (this.#batchAnnouncements.get(entry.batchId) ?? 0) + 1,
      );
    }
  }

  async #waitStarted(slots: readonly Slot[]): Promise<void> {
    await waitUntil(() => slots.every((slot) => this.#slots[slot.index]?.started), {
      timeoutMs: 30_000,
      description: `${this.#options.domain} workers to start`,
      intervalMs: 50,
    });
  }
}

/**
 * The fleet a scenario runs on: started now, and stopped at once should the
 * run be aborted (Ctrl-C), so no worker outlives the suite.
 */
export async function startFleet(
  context: {
    readonly url: string;
    readonly logDir: string;
    onAbort(cleanup: () => Promise<void>): void;
  },
  options: Omit<FleetOptions, 'url' | 'logDir'>,
): Promise<WorkerFleet> {
  const fleet = new WorkerFleet({ ...options, url: context.url, logDir: context.logDir });
  context.onAbort(() => fleet.stop(0));
  await fleet.start();
  return fleet;
}
