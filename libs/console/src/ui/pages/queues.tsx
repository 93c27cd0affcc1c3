// Queues: every PGMQ queue with its figures and archive size.
import { ErrorNote, num, TableHead } from '../components.tsx';
import { formatAge, formatBytes, formatCount } from '../format.ts';
import { usePoll } from '../live.ts';
import type { QueueStats } from '../types.ts';

export function QueuesPage() {
  const { data, error } = usePoll<{ queues: QueueStats[] }>('queues');
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Queues</h1>
      <ErrorNote error={error} />
      <table>
        <TableHead
          columns={[
            'Queue',
            num('Visible'),
            num('Leased'),
            num('Delayed'),
            num('Oldest'),
            num('Archived'),
            num('Size'),
          ]}
        />
        <tbody>
          {data?.queues.map((q) => (
            <tr key={q.queueName} data-queue={q.queueName}>
              <th scope="row">{q.queueName}</th>
              <td class="num">{formatCount(q.visible)}</td>
              <td class="num">{formatCount(q.leased)}</td>
              <td class="num">{formatCount(q.delayed)}</td>
              <td class="num">{formatAge(q.oldestAgeSeconds)}</td>
              <td class="num">{formatCount(q.archived)}</td>
              <td class="num">{formatBytes(q.bytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.queues.length === 0 ? <p>No PGMQ queue exists yet.</p> : null}
    </section>
  );
}
