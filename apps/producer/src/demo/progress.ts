// Live progress of a demo run: a bar on a TTY, a plain line every few
// seconds otherwise (CI logs, pipes), and nothing at all with --json.
import cliProgress from 'cli-progress';
import type { CommandStatusCounts } from '@commandbus/commandbus/internals';

export interface ProgressFigures {
  readonly sent: number;
  readonly counts: CommandStatusCounts;
  readonly ratePerSecond: number;
}

export interface ProgressView {
  update(figures: ProgressFigures): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 2_000;

export function createProgressView(total: number, mode: 'tty' | 'plain' | 'silent'): ProgressView {
  if (mode === 'silent') return { update: () => undefined, stop: () => undefined };
  if (mode === 'plain') {
    let lastPrinted = 0;
    return {
      update(figures) {
        if (Date.now() - lastPrinted < PLAIN_EVERY_MS) return;
        lastPrinted = Date.now();
        console.log(describe(total, figures));
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format:
        'demo [{bar}] {percentage}% | sent {sent} | done {value}/{total} | retrying {retrying} | troubleshooting {tsq} | {rate}/s',
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { sent: 0, retrying: 0, tsq: 0, rate: 0 });
  return {
    update({ sent, counts, ratePerSecond }) {
      bar.update(counts.completed + counts.canceled + counts.inTroubleshooting, {
        sent,
        retrying: counts.retrying,
        tsq: counts.inTroubleshooting,
        rate: Math.round(ratePerSecond),
      });
    },
    stop: () => bar.stop(),
  };
}

function describe(total: number, { sent, counts, ratePerSecond }: ProgressFigures): string {
  const done = counts.completed + counts.canceled + counts.inTroubleshooting;
  return `demo: sent ${sent}/${total}, done ${done}, retrying ${counts.retrying}, troubleshooting ${counts.inTroubleshooting}, ${Math.round(ratePerSecond)}/s`;
}
