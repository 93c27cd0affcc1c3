// Scrapes a worker's `/metrics` and reads Prometheus's text format: the
// observability tests assert on what Prometheus would see, not on objects.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of the exposition, comments and types skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', raw = ''] of labelText.matchAll(LABEL)) {
      labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The metrics as scraped, with a sum over the samples that carry `labels`. */
export interface Scrape {
  readonly text: string;
  readonly samples: readonly Sample[];
  /** Sum of the samples named `name` whose labels include `labels`; 0 when none. */
  sum(name: string, labels?: Readonly<Record<string, string>>): number;
  /** Whether a sample named `name` with these labels was exposed at all. */
  has(name: string, labels?: Readonly<Record<string, string>>): boolean;
}

export function scrapeOf(text: string): Scrape {
  const samples = parsePrometheusText(text);
  const matching = (name: string, labels: Readonly<Record<string, string>>) =>
    samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  return {
    text,
    samples,
    sum: (name, labels = {}) => matching(name, labels).reduce((sum, s) => sum + s.value, 0),
    has: (name, labels = {}) => matching(name, labels).length > 0,
  };
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return scrapeOf(await response.text());
}
