// Overview: per domain, the queue, the statuses, open batches and what
// settled per minute over the last hour.
import { Link } from 'wouter-preact';
import { ErrorNote, StatusBadge } from '../components.tsx';
import { formatAge, formatCount, formatNumber } from '../format.ts';
import { usePoll } from '../live.ts';
import type { DomainOverview, Overview } from '../types.ts';

export function OverviewPage() {
  const { data, error } = usePoll<Overview>('overview');
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Overview</h1>
      <ErrorNote error={error} />
      {data && data.domains.length === 0 ? <p>No domain has sent a command yet.</p> : null}
      {data?.domains.map((domain) => (
        <DomainCard key={domain.domain} domain={domain} settled={data.settledStatuses} />
      ))}
    </section>
  );
}

function DomainCard({ domain, settled }: { domain: DomainOverview; settled: readonly string[] }) {
  const d = domain.domain;
  const figures: [string, string, string][] = [
    ['Visible', formatCount(domain.queue?.visible), 'ov-visible'],
    ['Leased', formatCount(domain.queue?.leased), 'ov-leased'],
    ['Delayed', formatCount(domain.queue?.delayed), 'ov-delayed'],
    ['Oldest message', formatAge(domain.queue?.oldestAgeSeconds), 'ov-oldest'],
    ['In progress', formatCount(domain.statusCounts.IN_PROGRESS), 'ov-in-progress'],
    ['Troubleshooting', formatCount(domain.statusCounts.IN_TROUBLESHOOTING_QUEUE), 'ov-tsq'],
    ['Open batches', formatCount(domain.openBatches), 'ov-batches'],
  ];
  return (
    <article class="card" aria-labelledby={`domain-${d}`} data-domain={d}>
      <h2 id={`domain-${d}`}>{d}</h2>
      <dl class="figures">
        {figures.map(([label, value, id]) => (
          <div key={id} data-figure={id}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h3>Open commands by status</h3>
      <ul class="status-counts">
        {Object.entries(domain.statusCounts).map(([status, count]) => (
          <li key={status} data-status={status}>
            <Link href={`/commands?domain=${d}&status=${status}`}>
              <StatusBadge status={status} /> <span class="count">{formatCount(count)}</span>
            </Link>
          </li>
        ))}
      </ul>
      {domain.statusCounts.IN_TROUBLESHOOTING_QUEUE?.count ? (
        <p>
          <Link href={`/troubleshooting?domain=${d}`}>Open the troubleshooting queue</Link>
        </p>
      ) : null}
      <h3>Settled per minute, last hour</h3>
      <MinuteChart domain={domain} settled={settled} />
    </article>
  );
}

const WIDTH = 600;
const HEIGHT = 120;

function MinuteChart({ domain, settled }: { domain: DomainOverview; settled: readonly string[] }) {
  const series = domain.perMinute;
  const totals = series.map((m) => settled.reduce((sum, s) => sum + (m.counts[s] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const barWidth = WIDTH / Math.max(1, series.length);
  const sums = Object.fromEntries(
    settled.map((s) => [s, series.reduce((sum, m) => sum + (m.counts[s] ?? 0), 0)]),
  );
  const description = settled.map((s) => `${s} ${formatNumber(sums[s] ?? 0)}`).join(', ');
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Commands settled per minute over the last hour: ${description}`}
        preserveAspectRatio="none"
      >
        <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} class="axis" />
        {series.map((minute, i) => {
          let y = HEIGHT;
          return settled.map((status) => {
            const n = minute.counts[status] ?? 0;
            if (n === 0) return null;
            const h = (n / max) * (HEIGHT - 4);
            y -= h;
            return (
              <rect
                key={`${minute.minute}-${status}`}
                x={i * barWidth + 1}
                y={y}
                width={Math.max(1, barWidth - 2)}
                height={h}
                class={`bar status-${status}`}
              >
                <title>{`${minute.minute.slice(11, 16)} UTC: ${n} ${status}`}</title>
              </rect>
            );
          });
        })}
      </svg>
      <figcaption>
        <span>peak {formatNumber(max)}/min</span>
        <ul class="legend">
          {settled.map((s) => (
            <li key={s}>
              <span class={`swatch status-${s}`} aria-hidden="true" /> {s}:{' '}
              {formatNumber(sums[s] ?? 0)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
