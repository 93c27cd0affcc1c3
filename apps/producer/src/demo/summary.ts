// The end-of-run summary of the demo, as a table for people or JSON.
import { formatTable } from '@commandbus/cli';

export interface DemoSummary {
  readonly commands: number;
  readonly completed: number;
  readonly canceled: number;
  readonly troubleshooting: number;
  readonly expectedTroubleshooting: number;
  readonly retried: number;
  readonly seconds: number;
  readonly throughputPerSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly batch: {
    readonly batchId: string;
    readonly status: string;
    readonly totalCount: number;
    readonly completedCount: number;
    readonly canceledCount: number;
    readonly inTroubleshootingCount: number;
    readonly completedCallbacks: number;
  };
  readonly accountedFor: boolean;
}

export function formatSummary(summary: DemoSummary): string {
  const ms = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} ms`);
  const { batch } = summary;
  return formatTable(
    ['figure', 'value'],
    [
      ['commands sent', summary.commands],
      ['completed', summary.completed],
      [
        'in troubleshooting queue',
        `${summary.troubleshooting} (expected ${summary.expectedTroubleshooting})`,
      ],
      ['retried at least once', summary.retried],
      ['wall time', `${summary.seconds.toFixed(1)} s`],
      ['throughput', `${Math.round(summary.throughputPerSecond)} commands/s`],
      ['send → finish p50', ms(summary.p50Ms)],
      ['send → finish p99', ms(summary.p99Ms)],
      ['batch', `${batch.batchId} ${batch.status}`],
      [
        'batch counters',
        `total ${batch.totalCount}, completed ${batch.completedCount}, canceled ${batch.canceledCount}, in troubleshooting ${batch.inTroubleshootingCount}`,
      ],
      ['batch-completed callbacks', batch.completedCallbacks],
      ['every command accounted for', summary.accountedFor ? 'yes' : 'NO'],
    ],
  );
}
