// A command's whole story: every field, the audit trail as a timeline, the
// payload, its message and reply, the last error, and the actions its status
// allows (for operators).
import { useContext, useState } from 'preact/hooks';
import { Link, useParams } from 'wouter-preact';
import {
  ActionDialog,
  ActionResult,
  ErrorNote,
  JsonBlock,
  StatusBadge,
  type PendingAction,
} from '../components.tsx';
import { formatTime } from '../format.ts';
import { usePoll } from '../live.ts';
import { canAct, SessionContext } from '../session.ts';
import type { ActionName, ActionSummary, CommandStory } from '../types.ts';

const FIELD_ORDER = [
  'commandId',
  'domain',
  'commandType',
  'status',
  'attempts',
  'maxAttempts',
  'queueName',
  'msgId',
  'replyQueue',
  'correlationId',
  'batchId',
  'createdAt',
  'updatedAt',
  'leaseExpiresAt',
];

function fieldText(key: string, value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (key.endsWith('At')) return formatTime(String(value));
  return String(value);
}

export function CommandDetailPage() {
  const session = useContext(SessionContext);
  const { domain = '', commandId = '' } = useParams<{ domain: string; commandId: string }>();
  const { data, error, reload } = usePoll<CommandStory>(`commands/${domain}/${commandId}`);
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [summary, setSummary] = useState<ActionSummary | null>(null);

  const open = (action: ActionName) =>
    setPending({
      action,
      domain,
      scope: { kind: 'ids', ids: [commandId], label: `command ${commandId}` },
    });

  const command = data?.command;
  const extraFields = command
    ? Object.keys(command).filter((k) => !FIELD_ORDER.includes(k) && !k.startsWith('lastError'))
    : [];
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <Link href={`/commands?domain=${domain}`}>Commands</Link> / {domain}
      </p>
      <h1 id="page-title">
        Command <span class="mono">{commandId}</span>
      </h1>
      <ErrorNote error={error} />
      {command ? (
        <>
          <div class="actions-bar">
            <StatusBadge status={command.status} />
            {canAct(session) &&
              data.actions.map((action) => (
                <button
                  key={action}
                  type="button"
                  class={action === 'retry' ? 'primary' : ''}
                  onClick={() => open(action as ActionName)}
                >
                  {action === 'retry' ? 'Retry' : action === 'cancel' ? 'Cancel…' : 'Complete…'}
                </button>
              ))}
          </div>
          <ActionResult summary={summary} />
          <div class="columns">
            <div>
              <h2>Fields</h2>
              <dl class="fields">
                {[...FIELD_ORDER, ...extraFields]
                  .filter((key) => key in command)
                  .map((key) => (
                    <div key={key}>
                      <dt>{key}</dt>
                      <dd class={key.endsWith('Id') ? 'mono' : ''}>
                        {key === 'batchId' && command.batchId ? (
                          <Link href={`/batches/${domain}/${String(command.batchId)}`}>
                            {String(command.batchId)}
                          </Link>
                        ) : (
                          fieldText(key, command[key])
                        )}
                      </dd>
                    </div>
                  ))}
              </dl>
              <h2>Last error</h2>
              {data.lastError ? (
                <dl class="fields last-error">
                  <div>
                    <dt>type</dt>
                    <dd>{data.lastError.type ?? '–'}</dd>
                  </div>
                  <div>
                    <dt>code</dt>
                    <dd>{data.lastError.code ?? '–'}</dd>
                  </div>
                  <div>
                    <dt>message</dt>
                    <dd class="error-text">{data.lastError.message ?? '–'}</dd>
                  </div>
                </dl>
              ) : (
                <p>None.</p>
              )}
            </div>
            <div>
              <h2>Audit trail</h2>
              <ol class="timeline">
                {data.auditTrail.map((entry) => (
                  <li key={entry.auditId} data-event={entry.eventType}>
                    <span class="event">{entry.eventType}</span>{' '}
                    <time dateTime={entry.ts}>{formatTime(entry.ts)}</time>
                    {entry.details ? (
                      <JsonBlock value={entry.details} label={`${entry.eventType} details`} />
                    ) : null}
                  </li>
                ))}
              </ol>
            </div>
          </div>
          <h2>Payload</h2>
          {data.message ? (
            <>
              <p>
                Message {data.message.msgId} in{' '}
                {data.message.place === 'queue' ? 'queue' : 'the archive of'}{' '}
                <span class="mono">{data.message.queueName}</span>, read {data.message.readCount}{' '}
                times.
              </p>
              <JsonBlock value={data.message.message} label="Payload" />
            </>
          ) : data.archivedPayload ? (
            <>
              <p>Archived at {formatTime(data.archivedPayload.archivedAt)} (troubleshooting).</p>
              <JsonBlock value={data.archivedPayload.payload} label="Payload" />
            </>
          ) : (
            <p>The message was deleted when the command completed; no copy was archived.</p>
          )}
          <h2>Reply</h2>
          {data.reply ? (
            <>
              <p>
                In {data.reply.place === 'queue' ? 'queue' : 'the archive of'}{' '}
                <span class="mono">{data.reply.queueName}</span>.
              </p>
              <JsonBlock value={data.reply.message} label="Reply" />
            </>
          ) : (
            <p>
              {command.replyQueue
                ? 'No reply in the reply queue (not sent yet, or already read).'
                : 'The sender asked for no reply.'}
            </p>
          )}
        </>
      ) : null}
      <ActionDialog
        session={session}
        pending={pending}
        onClose={() => setPending(null)}
        onDone={(result) => {
          setPending(null);
          setSummary(result);
          reload();
        }}
      />
    </section>
  );
}
