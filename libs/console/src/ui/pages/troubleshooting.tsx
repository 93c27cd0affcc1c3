// The troubleshooting queue of one domain: retry, cancel or complete one
// item, the selected items, or every item matching the filter, each behind a
// confirmation that states how many, with a summary afterwards.
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { getJson, queryString } from '../api.ts';
import {
  ActionDialog,
  ActionResult,
  ErrorNote,
  Field,
  HeaderCells,
  KeysetPager,
  num,
  SelectField,
  type PendingAction,
} from '../components.tsx';
import { submittedValues, useListLocation } from '../filter-form.ts';
import { formatCount, formatTime, shortId } from '../format.ts';
import { usePoll } from '../live.ts';
import { canAct } from '../session.ts';
import type { ActionName, ActionSummary, BoundedCount, CommandSummary, Page } from '../types.ts';

const FILTERS = ['type', 'batch', 'code'] as const;
const LABELS: Record<ActionName, string> = {
  retry: 'Retry',
  cancel: 'Cancel…',
  complete: 'Complete…',
};
const ACTIONS: readonly ActionName[] = ['retry', 'cancel', 'complete'];

export function TroubleshootingPage() {
  const { session, searchString, search, navigate } = useListLocation();
  const domain = search.get('domain') ?? session.domains[0] ?? '';
  const filter = Object.fromEntries(
    FILTERS.map((key) => [key, search.get(key) ?? '']).filter(([, v]) => v !== ''),
  ) as Record<string, string>;
  const listPath = domain
    ? `troubleshooting${queryString({ domain, ...filter, after: search.get('after') })}`
    : null;
  const { data, error, reload } = usePoll<Page<CommandSummary>>(listPath);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [summary, setSummary] = useState<ActionSummary | null>(null);
  const operator = canAct(session);

  // A new filter or page starts with nothing selected.
  useEffect(() => setSelected(new Set()), [searchString]);

  function apply(event: Event) {
    navigate(`/troubleshooting${queryString(submittedValues(event, ['domain', ...FILTERS]))}`);
  }

  const items = data?.items ?? [];
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const allOnPage = items.length > 0 && items.every((item) => selected.has(item.commandId));
  const filterLabel =
    Object.keys(filter).length === 0
      ? 'every item'
      : `every item with ${Object.entries(filter)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`;

  const [countError, setCountError] = useState<string | undefined>(undefined);
  /** The confirmation states how many match now, counted up to the bulk cap. */
  async function askAll(action: ActionName) {
    try {
      const total = await getJson<BoundedCount>(
        `troubleshooting/count${queryString({ domain, ...filter })}`,
      );
      setCountError(undefined);
      setPending({
        action,
        domain,
        scope: { kind: 'filter', filter, count: total.count, more: total.more, label: filterLabel },
      });
    } catch (caught) {
      setCountError(caught instanceof Error ? caught.message : String(caught));
    }
  }

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Troubleshooting queue</h1>
      <form
        class="filters"
        onSubmit={apply}
        aria-label="Filter the troubleshooting queue"
        key={searchString}
      >
        <SelectField label="Domain" name="domain" options={session.domains} value={domain} />
        <Field label="Type">
          <input name="type" defaultValue={filter.type ?? ''} />
        </Field>
        <Field label="Batch id">
          <input name="batch" defaultValue={filter.batch ?? ''} />
        </Field>
        <Field label="Error code">
          <input name="code" defaultValue={filter.code ?? ''} />
        </Field>
        <div class="filter-buttons">
          <button type="submit" class="primary">
            Apply
          </button>
          <Link href={`/troubleshooting?domain=${domain}`}>Clear</Link>
        </div>
      </form>
      <ErrorNote error={error ?? countError} />
      <p class="total" data-total={data?.total?.count ?? ''}>
        {data?.total ? `${formatCount(data.total)} matching` : ''}
      </p>
      <ActionResult summary={summary} />
      {operator ? (
        <div class="actions-bar" role="group" aria-label="Bulk actions">
          <span>Selected ({selected.size}):</span>
          {ACTIONS.map((action) => (
            <button
              key={`sel-${action}`}
              type="button"
              disabled={selected.size === 0}
              onClick={() =>
                setPending({
                  action,
                  domain,
                  scope: { kind: 'ids', ids: [...selected], label: 'the selected items' },
                })
              }
            >
              {LABELS[action]}
            </button>
          ))}
          <span>All matching ({formatCount(data?.total)}):</span>
          {ACTIONS.map((action) => (
            <button
              key={`all-${action}`}
              type="button"
              disabled={!data?.total?.count}
              onClick={() => void askAll(action)}
              data-action={`all-${action}`}
            >
              {LABELS[action].replace('…', '')} all…
            </button>
          ))}
        </div>
      ) : null}
      <table class="troubleshooting">
        <thead>
          <tr>
            {operator ? (
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select every item on this page"
                  checked={allOnPage}
                  onChange={() =>
                    setSelected(allOnPage ? new Set() : new Set(items.map((i) => i.commandId)))
                  }
                />
              </th>
            ) : null}
            <HeaderCells columns={['Command', 'Type', 'Error', num('Attempts'), 'Since']} />
            {operator ? <th scope="col">Action</th> : null}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.commandId} data-command-id={item.commandId}>
              {operator ? (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${item.commandId}`}
                    checked={selected.has(item.commandId)}
                    onChange={() => toggle(item.commandId)}
                  />
                </td>
              ) : null}
              <td>
                <Link
                  href={`/commands/${item.domain}/${item.commandId}`}
                  class="mono"
                  title={item.commandId}
                >
                  {shortId(item.commandId)}
                </Link>
              </td>
              <td>{item.commandType}</td>
              <td class="error-text">
                <strong>{item.lastErrorCode ?? ''}</strong> {item.lastErrorMessage ?? ''}
              </td>
              <td class="num">
                {item.attempts}/{item.maxAttempts}
              </td>
              <td>{formatTime(item.updatedAt)}</td>
              {operator ? (
                <td>
                  <button
                    type="button"
                    aria-label={`Retry ${item.commandId}`}
                    onClick={() =>
                      setPending({
                        action: 'retry',
                        domain,
                        scope: {
                          kind: 'ids',
                          ids: [item.commandId],
                          label: `command ${item.commandId}`,
                        },
                      })
                    }
                  >
                    Retry
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {data && items.length === 0 ? <p>The troubleshooting queue has nothing matching.</p> : null}
      <KeysetPager path="/troubleshooting" query={{ domain, ...filter }} next={data?.next} />
      <ActionDialog
        session={session}
        pending={pending}
        onClose={() => setPending(null)}
        onDone={(result) => {
          setPending(null);
          setSummary(result);
          setSelected(new Set());
          reload();
        }}
      />
    </section>
  );
}
