// The workspace's CLIs as real child processes, on the Node that runs the
// tests: started, awaited with a deadline, and killed after every test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';

export interface CliExit {
  /** Exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface CliRun extends CliExit {
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  readonly exited: Promise<CliExit>;
}

export interface CliOptions {
  /**
   * Added to the test process's environment. LOG_LEVEL is not inherited, so a
   * developer's setting cannot change what a CLI prints; set it here.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. Default: the test process's. */
  readonly cwd?: string;
}

export interface CliRunOptions extends CliOptions {
  /** How long `run` waits for the exit before killing the process. Default 60 s. */
  readonly timeoutMs?: number;
}

export interface CliProcesses {
  /** Starts `node <script> ...args`; the test decides when it ends. */
  start(script: string, args: readonly string[], options?: CliOptions): CliProcess;
  /** Runs `node <script> ...args` to its exit; past the deadline it is killed and this throws. */
  run(script: string, args: readonly string[], options?: CliRunOptions): Promise<CliRun>;
}

/**
 * Registers the calling test file's CLI processes: any still running after a
 * test is killed (SIGKILL) and awaited, so no test inherits another's child.
 */
export function useCliProcesses(): CliProcesses {
  const running = new Set<CliProcess>();
  // Node's compile cache, shared by the file's runs, halves each start-up
  // (most of it is loading and stripping the libraries' TypeScript).
  const compileCache = mkdtempSync(path.join(tmpdir(), 'cli-compile-cache-'));

  afterEach(async () => {
    const alive = [...running];
    running.clear();
    for (const cli of alive) if (isRunning(cli.child)) cli.child.kill('SIGKILL');
    await Promise.allSettled(alive.map((cli) => cli.exited));
  });
  afterAll(() => rmSync(compileCache, { recursive: true, force: true }));

  function start(script: string, args: readonly string[], options: CliOptions = {}): CliProcess {
    const cli = spawnCli(script, args, {
      ...options,
      env: { NODE_COMPILE_CACHE: compileCache, ...options.env },
    });
    running.add(cli);
    return cli;
  }

  async function run(
    script: string,
    args: readonly string[],
    { timeoutMs = 60_000, ...options }: CliRunOptions = {},
  ): Promise<CliRun> {
    const cli = start(script, args, options);
    try {
      return await exitWithin(cli, timeoutMs, script, args);
    } finally {
      running.delete(cli);
    }
  }

  return { start, run };
}

/**
 * Runs `node <script> ...args` to its exit; past the deadline it is killed and
 * this throws. Nothing outlives the call, so tests that run concurrently
 * (`it.concurrent`) can use it without useCliProcesses' per-test cleanup.
 */
export async function runCli(
  script: string,
  args: readonly string[],
  { timeoutMs = 60_000, ...options }: CliRunOptions = {},
): Promise<CliRun> {
  return exitWithin(spawnCli(script, args, options), timeoutMs, script, args);
}

function spawnCli(script: string, args: readonly string[], options: CliOptions): CliProcess {
  const { LOG_LEVEL: _notInherited, ...inherited } = process.env;
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: { ...inherited, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': by then both pipes are drained, so the output is whole.
  const exited = new Promise<CliExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function exitWithin(
  cli: CliProcess,
  timeoutMs: number,
  script: string,
  args: readonly string[],
): Promise<CliRun> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const exit = await Promise.race([cli.exited, deadline]);
    if (exit === 'timeout') {
      cli.child.kill('SIGKILL');
      await cli.exited;
      throw new Error(
        `${path.basename(script)} ${args.join(' ')} did not exit within ${timeoutMs} ms; ` +
          `stdout: ${cli.stdout().slice(-2_000)} stderr: ${cli.stderr().slice(-2_000)}`,
      );
    }
    return { ...exit, stdout: cli.stdout(), stderr: cli.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
