// The SQL the two set-based receives share (receiveCommands and the fused
// readAndReceiveCommands): sp_receive_command's guard, and its update, audit
// row and batch start for the commands a statement has locked. One text, so
// procedure-equivalence.test.ts checks both against the procedure.
import { sql } from 'slonik';
import { TERMINAL_COMMAND_STATUSES } from '../model.ts';

/** sp_receive_command's guard: terminal commands and those in the troubleshooting queue. */
export const NOT_RECEIVABLE = sql.join(
  [...TERMINAL_COMMAND_STATUSES, 'IN_TROUBLESHOOTING_QUEUE'],
  sql.fragment`, `,
);

/**
 * The CTEs `received` (IN_PROGRESS, attempts + 1), `audited` (a RECEIVED row
 * with the delivered msg id) and `started` (sp_start_batch once per batch, in
 * batch_id order), for a statement whose CTEs `locked` (command_id) and
 * `delivered` (command_id, msg_id) come before them.
 */
export function receiveLockedCommands(domain: string) {
  return sql.fragment`
    received AS (
      UPDATE commandbus.command AS c
         SET attempts = c.attempts + 1,
             status = 'IN_PROGRESS',
             updated_at = NOW()
       WHERE c.domain = ${domain}
         AND c.command_id = ANY(ARRAY(SELECT command_id FROM locked))
      RETURNING c.*
    ), audited AS (
      INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
      SELECT r.domain, r.command_id, 'RECEIVED',
             jsonb_build_object('msg_id', d.msg_id, 'attempt', r.attempts,
                                'max_attempts', r.max_attempts)
        FROM received AS r JOIN delivered AS d USING (command_id)
       ORDER BY r.command_id
    ), started AS (
      SELECT count(commandbus.sp_start_batch(b.domain, b.batch_id)) AS batches
        FROM (SELECT DISTINCT r.domain, r.batch_id
                FROM received AS r
               WHERE r.batch_id IS NOT NULL
               ORDER BY r.batch_id) AS b
    )`;
}

/** A received command's columns as sp_receive_command returns them, from `received AS r` and `delivered AS d`. */
export const RECEIVED_COLUMNS = sql.fragment`
  r.domain, r.command_id, r.command_type, r.status, r.attempts,
  r.max_attempts, d.msg_id, r.correlation_id, r.reply_queue,
  r.last_error_type, r.last_error_code, r.last_error_msg,
  r.created_at, r.updated_at, r.batch_id`;
