// Commands: every filter in the URL (so a link reproduces the view), newest
// first, keyset pages.
import { Link } from 'wouter-preact';
import { queryString } from '../api.ts';
import {
  ErrorNote,
  Field,
  KeysetPager,
  num,
  SelectField,
  StatusBadge,
  TableHead,
} from '../components.tsx';
import { submittedValues, useListLocation } from '../filter-form.ts';
import { formatTime, shortId } from '../format.ts';
import { usePoll } from '../live.ts';
import type { CommandSummary, Page } from '../types.ts';

const FILTERS = ['domain', 'status', 'type', 'batch', 'correlation', 'id', 'from', 'to'] as const;

/** A datetime-local value (local time) from an ISO instant, and back. */
const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : '');

export function CommandsPage() {
  const { session, searchString, search, navigate } = useListLocation();
  const filters = Object.fromEntries(FILTERS.map((key) => [key, search.get(key) ?? '']));
  const apiQuery = queryString({ ...filters, after: search.get('after') });
  const { data, error } = usePoll<Page<CommandSummary>>(`commands${apiQuery}`);

  function apply(event: Event) {
    const values = submittedValues(event, FILTERS);
    values.from = fromLocalInput(values.from ?? '');
    values.to = fromLocalInput(values.to ?? '');
    navigate(`/commands${queryString(values)}`);
  }

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Commands</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter commands" key={searchString}>
        <SelectField
          label="Domain"
          name="domain"
          options={session.domains}
          value={filters.domain ?? ''}
          all="all"
        />
        <SelectField
          label="Status"
          name="status"
          options={session.commandStatuses}
          value={filters.status ?? ''}
          all="all"
        />
        <Field label="Type">
          <input name="type" defaultValue={filters.type} placeholder="demo.SendReceipt" />
        </Field>
        <Field label="Batch id">
          <input name="batch" defaultValue={filters.batch} />
        </Field>
        <Field label="Correlation id">
          <input name="correlation" defaultValue={filters.correlation} />
        </Field>
        <Field label="Command id">
          <input name="id" defaultValue={filters.id} />
        </Field>
        <Field label="Created from">
          <input
            type="datetime-local"
            name="from"
            defaultValue={toLocalInput(filters.from ?? null)}
          />
        </Field>
        <Field label="Created before">
          <input type="datetime-local" name="to" defaultValue={toLocalInput(filters.to ?? null)} />
        </Field>
        <div class="filter-buttons">
          <button type="submit" class="primary">
            Apply
          </button>
          <Link href="/commands">Clear</Link>
        </div>
      </form>
      <ErrorNote error={error} />
      <CommandTable items={data?.items ?? []} />
      {data && data.items.length === 0 ? <p>No command matches.</p> : null}
      <KeysetPager path="/commands" query={filters} next={data?.next} />
    </section>
  );
}

export function CommandTable({ items }: { items: readonly CommandSummary[] }) {
  return (
    <table class="commands">
      <TableHead
        columns={['Command', 'Domain', 'Type', 'Status', num('Attempts'), 'Created', 'Last error']}
      />
      <tbody>
        {items.map((c) => (
          <tr key={c.commandId} data-command-id={c.commandId}>
            <td>
              <Link href={`/commands/${c.domain}/${c.commandId}`} class="mono" title={c.commandId}>
                {shortId(c.commandId)}
              </Link>
            </td>
            <td>{c.domain}</td>
            <td>{c.commandType}</td>
            <td>
              <StatusBadge status={c.status} />
            </td>
            <td class="num">
              {c.attempts}/{c.maxAttempts}
            </td>
            <td>{formatTime(c.createdAt)}</td>
            <td class="error-text">{c.lastErrorCode ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
