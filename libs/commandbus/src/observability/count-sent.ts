// The producer's one metric: commands enqueued, by type (duplicates were not).
import type { Counter } from 'prom-client';

export function countSent(
  counter: Counter<'domain' | 'command_type'>,
  domain: string,
  results: readonly { readonly duplicate: boolean }[],
  commands: readonly { readonly envelope: { readonly command_type: string } }[],
): void {
  results.forEach((result, i) => {
    const type = commands[i]?.envelope.command_type;
    if (!result.duplicate && type !== undefined) counter.inc({ domain, command_type: type });
  });
}
