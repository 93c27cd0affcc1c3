// Pieces every page uses: status badges, JSON blocks, the pager, messages,
// and the confirmation dialog of troubleshooting actions.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, postJson, queryString } from './api.ts';
import { formatJson, formatNumber } from './format.ts';
import type { ActionName, ActionSummary, Session } from './types.ts';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

/** A value as indented JSON text: markup in it shows as characters. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {formatJson(value)}
    </pre>
  );
}

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error-note" role="alert">
      {error}
    </p>
  ) : null;
}

export function Pager({ first, next }: { first: string; next: string | null }) {
  return (
    <nav class="pager" aria-label="Pages">
      <Link href={first}>First page</Link>
      {next ? <Link href={next}>Next page</Link> : <span aria-disabled="true">Last page</span>}
    </nav>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/**
 * A filter's select. `all`: the label of a first, empty option that filters
 * nothing; without it one of `options` is always chosen.
 */
export function SelectField({
  label,
  name,
  options,
  value,
  all,
}: {
  label: string;
  name: string;
  options: readonly string[];
  value: string;
  all?: string;
}) {
  return (
    <Field label={label}>
      <select name={name}>
        {all === undefined ? null : (
          <option value="" selected={!value}>
            {all}
          </option>
        )}
        {options.map((option) => (
          <option key={option} value={option} selected={option === value}>
            {option}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A table's column: its heading, and whether it holds numbers (right-aligned). */
export type Column = string | { readonly label: string; readonly num: true };

export const num = (label: string): Column => ({ label, num: true });

/** The heading cells of a table's columns, for a row of `<thead>`. */
export function HeaderCells({ columns }: { columns: readonly Column[] }) {
  return (
    <>
      {columns.map((column) =>
        typeof column === 'string' ? (
          <th key={column} scope="col">
            {column}
          </th>
        ) : (
          <th key={column.label} scope="col" class="num">
            {column.label}
          </th>
        ),
      )}
    </>
  );
}

export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        <HeaderCells columns={columns} />
      </tr>
    </thead>
  );
}

/** The pager of a keyset-paged list at `path` with `query`; `next` is the page's `next` key. */
export function KeysetPager({
  path,
  query,
  next,
}: {
  path: string;
  query: Record<string, string | null | undefined>;
  next: string | null | undefined;
}) {
  return (
    <Pager
      first={`${path}${queryString(query)}`}
      next={next ? `${path}${queryString({ ...query, after: next })}` : null}
    />
  );
}

export type ActionScope =
  | { readonly kind: 'ids'; readonly ids: readonly string[]; readonly label: string }
  | {
      readonly kind: 'filter';
      readonly filter: Record<string, string>;
      readonly count: number;
      readonly more: boolean;
      readonly label: string;
    };

export interface PendingAction {
  readonly action: ActionName;
  readonly domain: string;
  readonly scope: ActionScope;
}

const VERB: Record<ActionName, string> = { retry: 'Retry', cancel: 'Cancel', complete: 'Complete' };

function howMany(scope: ActionScope): number {
  return scope.kind === 'ids' ? scope.ids.length : scope.count;
}

/** States how many items an action takes, asks for its input, and sends it. */
export function ActionDialog({
  session,
  pending,
  onClose,
  onDone,
}: {
  session: Session;
  pending: PendingAction | null;
  onClose: () => void;
  onDone: (summary: ActionSummary) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [data, setData] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (pending && !element.open) {
      setReason('');
      setData('');
      setError(undefined);
      element.showModal();
    }
    if (!pending && element.open) element.close();
  }, [pending]);

  if (!pending) return <dialog ref={dialog} aria-label="Confirm action" />;
  const count = howMany(pending.scope);
  const noun = count === 1 ? 'item' : 'items';
  const title = `${VERB[pending.action]} ${formatNumber(count)}${
    pending.scope.kind === 'filter' && pending.scope.more ? ' (the oldest)' : ''
  } ${noun}?`;

  async function confirm(event: Event) {
    event.preventDefault();
    if (!pending) return;
    let resultData: Record<string, unknown> | null = null;
    if (pending.action === 'complete' && data.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(data);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          setError('Result data must be a JSON object, or empty for none.');
          return;
        }
        resultData = parsed as Record<string, unknown>;
      } catch (caught) {
        setError(`Result data is not valid JSON: ${caught instanceof Error ? caught.message : ''}`);
        return;
      }
    }
    if (pending.action === 'cancel' && reason.trim() === '') {
      setError('A cancel needs a reason.');
      return;
    }
    const target =
      pending.scope.kind === 'ids'
        ? { commandIds: pending.scope.ids }
        : { filter: pending.scope.filter, expectedCount: pending.scope.count };
    setBusy(true);
    try {
      const summary = await postJson<ActionSummary>(session, 'troubleshooting/actions', {
        domain: pending.domain,
        action: pending.action,
        target,
        ...(pending.action === 'cancel' ? { reason: reason.trim() } : {}),
        ...(pending.action === 'complete' ? { resultData } : {}),
      });
      onDone(summary);
    } catch (caught) {
      setError(caught instanceof ApiError ? `${caught.code}: ${caught.message}` : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} aria-labelledby="action-title" onClose={onClose}>
      <form method="dialog" onSubmit={confirm}>
        <h2 id="action-title">{title}</h2>
        <p>
          {VERB[pending.action]} {formatNumber(count)} {noun}: {pending.scope.label}, in domain{' '}
          <strong>{pending.domain}</strong>.
        </p>
        {pending.action === 'cancel' ? (
          <Field label="Reason (sent in the reply and the audit trail)">
            <input
              name="reason"
              required
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </Field>
        ) : null}
        {pending.action === 'complete' ? (
          <Field label="Result data (JSON object, optional)">
            <textarea
              name="resultData"
              rows={5}
              value={data}
              onInput={(e) => setData(e.currentTarget.value)}
            />
          </Field>
        ) : null}
        <ErrorNote error={error} />
        <div class="dialog-buttons">
          <button type="button" onClick={onClose} disabled={busy}>
            Back
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {VERB[pending.action]} {formatNumber(count)} {noun}
          </button>
        </div>
      </form>
    </dialog>
  );
}

const OUTCOME_LABELS: Record<string, string> = {
  done: 'done',
  not_in_troubleshooting: 'no longer in the troubleshooting queue',
  not_found: 'not found',
  not_retryable: 'payload cannot be re-sent',
  failed: 'failed',
};

export function ActionResult({ summary }: { summary: ActionSummary | null }) {
  return (
    <div role="status" class="result-summary" aria-live="polite">
      {summary ? (
        <>
          <p>
            <strong>
              {VERB[summary.action]}: {formatNumber(summary.counts.done ?? 0)} of{' '}
              {formatNumber(summary.requested)} done
            </strong>
            {summary.expectedCount !== undefined && summary.expectedCount !== summary.requested
              ? ` (${formatNumber(summary.expectedCount)} matched when you confirmed)`
              : ''}
          </p>
          <ul>
            {Object.entries(summary.counts)
              .filter(([outcome, n]) => n > 0 && outcome !== 'done')
              .map(([outcome, n]) => (
                <li key={outcome}>
                  {OUTCOME_LABELS[outcome] ?? outcome}: {formatNumber(n)}
                </li>
              ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
