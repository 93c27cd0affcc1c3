// The observability reference and the Grafana dashboard name exactly the
// metrics the library registers: none missing from the page, none invented.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { commandBusMetrics } from '../src/observability/metrics.ts';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs');
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

async function registeredNames(): Promise<string[]> {
  const registry = new Registry();
  commandBusMetrics(registry);
  const text = await registry.metrics();
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? '').sort();
}

function namesIn(text: string): string[] {
  const names = new Set<string>();
  for (const [name] of text.matchAll(/commandbus_[a-z_]+/g)) {
    names.add(name.replace(HISTOGRAM_SERIES, ''));
  }
  return [...names].sort();
}

describe('observability docs', () => {
  it('docs/observability.md documents every registered metric and no other', async () => {
    const page = readFileSync(path.join(docs, 'observability.md'), 'utf8');
    expect(namesIn(page)).toEqual(await registeredNames());
  });

  it('the Grafana dashboard queries only registered metrics', async () => {
    const dashboard = readFileSync(path.join(docs, 'grafana/commandbus.json'), 'utf8');
    const registered = await registeredNames();
    const used = namesIn(dashboard);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !registered.includes(name))).toEqual([]);
  });
});
