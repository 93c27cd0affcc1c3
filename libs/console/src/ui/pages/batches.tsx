// Batches: progress and counters, newest first; a batch's page lists its
// commands.
import { Link, useParams, useSearch } from 'wouter-preact';
import { queryString } from '../api.ts';
import {
  ErrorNote,
  JsonBlock,
  KeysetPager,
  num,
  SelectField,
  StatusBadge,
  TableHead,
} from '../components.tsx';
import { submittedValues, useListLocation } from '../filter-form.ts';
import { formatNumber, formatTime, shortId } from '../format.ts';
import { usePoll } from '../live.ts';
import type { BatchStory, BatchSummary, Page } from '../types.ts';
import { CommandTable } from './commands.tsx';

function BatchProgress({ batch }: { batch: BatchSummary }) {
  const settled = batch.completedCount + batch.canceledCount + batch.inTroubleshootingCount;
  return (
    <progress
      max={Math.max(1, batch.totalCount)}
      value={settled}
      aria-label={`${batch.name ?? batch.batchId}: ${settled} of ${batch.totalCount} settled`}
    />
  );
}

export function BatchesPage() {
  const { session, searchString, search, navigate } = useListLocation();
  const filters = { domain: search.get('domain') ?? '', status: search.get('status') ?? '' };
  const { data, error } = usePoll<Page<BatchSummary>>(
    `batches${queryString({ ...filters, after: search.get('after') })}`,
  );
  function apply(event: Event) {
    navigate(`/batches${queryString(submittedValues(event, ['domain', 'status']))}`);
  }
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Batches</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter batches" key={searchString}>
        <SelectField
          label="Domain"
          name="domain"
          options={session.domains}
          value={filters.domain}
          all="all"
        />
        <SelectField
          label="Status"
          name="status"
          options={session.batchStatuses}
          value={filters.status}
          all="all"
        />
        <div class="filter-buttons">
          <button type="submit" class="primary">
            Apply
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      <table>
        <TableHead
          columns={[
            'Batch',
            'Domain',
            'Status',
            'Progress',
            num('Total'),
            num('Completed'),
            num('Canceled'),
            num('Troubleshooting'),
            'Created',
          ]}
        />
        <tbody>
          {data?.items.map((b) => (
            <tr key={b.batchId} data-batch-id={b.batchId}>
              <td>
                <Link href={`/batches/${b.domain}/${b.batchId}`}>
                  {b.name ?? shortId(b.batchId)}
                </Link>
              </td>
              <td>{b.domain}</td>
              <td>
                <StatusBadge status={b.status} />
              </td>
              <td>
                <BatchProgress batch={b} />
              </td>
              <td class="num">{formatNumber(b.totalCount)}</td>
              <td class="num">{formatNumber(b.completedCount)}</td>
              <td class="num">{formatNumber(b.canceledCount)}</td>
              <td class="num">{formatNumber(b.inTroubleshootingCount)}</td>
              <td>{formatTime(b.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.items.length === 0 ? <p>No batch matches.</p> : null}
      <KeysetPager path="/batches" query={filters} next={data?.next} />
    </section>
  );
}

export function BatchDetailPage() {
  const { domain = '', batchId = '' } = useParams<{ domain: string; batchId: string }>();
  const after = new URLSearchParams(useSearch()).get('after');
  const { data, error } = usePoll<BatchStory>(
    `batches/${domain}/${batchId}${queryString({ after })}`,
  );
  const batch = data?.batch;
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <Link href={`/batches?domain=${domain}`}>Batches</Link> / {domain}
      </p>
      <h1 id="page-title">Batch {batch?.name ?? batchId}</h1>
      <ErrorNote error={error} />
      {batch ? (
        <>
          <div class="actions-bar">
            <StatusBadge status={batch.status} />
            <BatchProgress batch={batch} />
          </div>
          <dl class="figures">
            {(
              [
                ['Total', batch.totalCount],
                ['Completed', batch.completedCount],
                ['Canceled', batch.canceledCount],
                ['Troubleshooting', batch.inTroubleshootingCount],
              ] as const
            ).map(([label, n]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{formatNumber(n)}</dd>
              </div>
            ))}
            <div>
              <dt>Created</dt>
              <dd>{formatTime(batch.createdAt)}</dd>
            </div>
            <div>
              <dt>Completed at</dt>
              <dd>{formatTime(batch.completedAt)}</dd>
            </div>
          </dl>
          {batch.customData ? <JsonBlock value={batch.customData} label="Custom data" /> : null}
          <h2>Commands</h2>
          <CommandTable items={data.commands.items} />
          <KeysetPager
            path={`/batches/${domain}/${batchId}`}
            query={{}}
            next={data.commands.next}
          />
        </>
      ) : null}
    </section>
  );
}
