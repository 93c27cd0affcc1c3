-- V002: business-rule failures (status FAILED, batch.failed_count) and what
-- the Python command bus writes into a shared database (batch.batch_type, its
-- audit event types). Contract: docs/schema.md and docs/python-interop.md.
-- Idempotent (safe to run twice by hand) and plain SQL, like V001.

SELECT set_config('search_path', 'commandbus, public', true);

-- ============================================================================
-- Tables
-- ============================================================================

ALTER TABLE commandbus.batch ADD COLUMN IF NOT EXISTS failed_count INT NOT NULL DEFAULT 0;
ALTER TABLE commandbus.batch ADD COLUMN IF NOT EXISTS batch_type TEXT NOT NULL DEFAULT 'COMMAND';

-- Dropped and added again, so a second run leaves one constraint of each name.
ALTER TABLE commandbus.batch DROP CONSTRAINT IF EXISTS batch_failed_count_non_negative_check;
ALTER TABLE commandbus.batch ADD CONSTRAINT batch_failed_count_non_negative_check
    CHECK (failed_count >= 0);

ALTER TABLE commandbus.batch DROP CONSTRAINT IF EXISTS batch_type_check;
ALTER TABLE commandbus.batch ADD CONSTRAINT batch_type_check
    CHECK (batch_type IN ('COMMAND', 'PROCESS'));

-- FAILED: a business rule refused the command. Terminal, like COMPLETED and CANCELED.
ALTER TABLE commandbus.command DROP CONSTRAINT IF EXISTS command_status_check;
ALTER TABLE commandbus.command ADD CONSTRAINT command_status_check
    CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'CANCELED',
                      'IN_TROUBLESHOOTING_QUEUE', 'FAILED'));

-- Every event type either library writes. MOVED_TO_TSQ is the troubleshooting
-- move from V002 on; MOVED_TO_TROUBLESHOOTING_QUEUE stays for the rows
-- written before. RETRY_SCHEDULED and RETRY_EXHAUSTED are declared by the
-- Python library, so a database shared with it must accept them.
ALTER TABLE commandbus.audit DROP CONSTRAINT IF EXISTS audit_event_type_check;
ALTER TABLE commandbus.audit ADD CONSTRAINT audit_event_type_check
    CHECK (event_type IN ('SENT', 'RECEIVED', 'FAILED', 'COMPLETED', 'CANCELED',
                          'MOVED_TO_TROUBLESHOOTING_QUEUE', 'OPERATOR_RETRY',
                          'OPERATOR_CANCEL', 'OPERATOR_COMPLETE', 'BATCH_STARTED',
                          'BATCH_COMPLETED', 'MOVED_TO_TSQ', 'BUSINESS_RULE_FAILED',
                          'RETRY_SCHEDULED', 'RETRY_EXHAUSTED'));

-- ============================================================================
-- Stored procedures (same names and parameters as V001)
-- ============================================================================

-- sp_update_batch_counters: the one place batch counters change; V001's
-- guards stay (row lock before reading, no underflow, completion once), plus
-- `failed` / `tsq_failed` for business-rule failures. A batch whose command
-- changes before any receive started it (a message rejected as invalid goes
-- straight to the troubleshooting queue) is started here first, so no batch
-- completes without BATCH_STARTED and started_at.
CREATE OR REPLACE FUNCTION commandbus.sp_update_batch_counters(
    p_domain TEXT,
    p_batch_id UUID,
    p_update_type TEXT
) RETURNS BOOLEAN
LANGUAGE plpgsql
AS $$
DECLARE
    v_batch           commandbus.batch%ROWTYPE;
    v_completed_delta INT;
    v_canceled_delta  INT;
    v_failed_delta    INT;
    v_in_tsq_delta    INT;
    v_completed       INT;
    v_canceled        INT;
    v_failed          INT;
    v_in_tsq          INT;
    v_final_status    TEXT;
BEGIN
    -- Validate before the NULL-batch shortcut, so a wrong type is never silent.
    v_completed_delta := 0; v_canceled_delta := 0; v_failed_delta := 0; v_in_tsq_delta := 0;
    CASE p_update_type
        WHEN 'complete'     THEN v_completed_delta := 1;
        WHEN 'cancel'       THEN v_canceled_delta := 1;
        WHEN 'failed'       THEN v_failed_delta := 1;
        WHEN 'tsq_move'     THEN v_in_tsq_delta := 1;
        WHEN 'tsq_complete' THEN v_completed_delta := 1; v_in_tsq_delta := -1;
        WHEN 'tsq_cancel'   THEN v_canceled_delta := 1; v_in_tsq_delta := -1;
        WHEN 'tsq_failed'   THEN v_failed_delta := 1; v_in_tsq_delta := -1;
        WHEN 'tsq_retry'    THEN v_in_tsq_delta := -1;
        ELSE
            RAISE EXCEPTION 'commandbus.sp_update_batch_counters: unknown update type %', quote_nullable(p_update_type)
                USING ERRCODE = '22023',
                      HINT = 'one of complete, cancel, failed, tsq_move, tsq_complete, tsq_cancel, tsq_failed, tsq_retry';
    END CASE;

    IF p_batch_id IS NULL THEN
        RETURN FALSE;
    END IF;

    SELECT * INTO v_batch
      FROM commandbus.batch AS b
     WHERE b.domain = p_domain AND b.batch_id = p_batch_id
       FOR NO KEY UPDATE;

    IF NOT FOUND THEN
        RAISE EXCEPTION 'commandbus.sp_update_batch_counters: batch % not found in domain %', p_batch_id, quote_nullable(p_domain)
            USING ERRCODE = 'P0002';
    END IF;

    v_completed := v_batch.completed_count + v_completed_delta;
    v_canceled  := v_batch.canceled_count + v_canceled_delta;
    v_failed    := v_batch.failed_count + v_failed_delta;
    v_in_tsq    := v_batch.in_troubleshooting_count + v_in_tsq_delta;

    IF v_in_tsq < 0 THEN
        RAISE EXCEPTION 'commandbus.sp_update_batch_counters: % would take in_troubleshooting_count of batch % below zero', p_update_type, p_batch_id
            USING ERRCODE = '23514';
    END IF;

    -- The row is locked already, so this adds no lock; sp_start_batch does
    -- nothing for a batch that has started.
    IF v_batch.status = 'PENDING' THEN
        PERFORM commandbus.sp_start_batch(p_domain, p_batch_id);
    END IF;

    -- Only a change that adds a finished command can complete a batch: this is
    -- what guarantees tsq_retry (and tsq_move) never do. The status guard makes
    -- the transition happen once per batch.
    IF (v_completed_delta + v_canceled_delta + v_failed_delta) > 0
       AND v_completed + v_canceled + v_failed = v_batch.total_count
       AND v_in_tsq = 0
       AND v_batch.status NOT IN ('COMPLETED', 'COMPLETED_WITH_FAILURES') THEN
        v_final_status := CASE WHEN v_canceled + v_failed > 0 THEN 'COMPLETED_WITH_FAILURES' ELSE 'COMPLETED' END;
    END IF;

    UPDATE commandbus.batch AS b
       SET completed_count = v_completed,
           canceled_count = v_canceled,
           failed_count = v_failed,
           in_troubleshooting_count = v_in_tsq,
           status = COALESCE(v_final_status, b.status),
           completed_at = CASE WHEN v_final_status IS NULL THEN b.completed_at ELSE NOW() END
     WHERE b.domain = p_domain AND b.batch_id = p_batch_id;

    IF v_final_status IS NULL THEN
        RETURN FALSE;
    END IF;

    INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
    VALUES (p_domain, p_batch_id, 'BATCH_COMPLETED',
            jsonb_build_object('batch_id', p_batch_id,
                               'status', v_final_status,
                               'total_count', v_batch.total_count,
                               'completed_count', v_completed,
                               'canceled_count', v_canceled,
                               'failed_count', v_failed));
    RETURN TRUE;
END;
$$;

-- sp_receive_command: as in V001, and a FAILED command is terminal too.
CREATE OR REPLACE FUNCTION commandbus.sp_receive_command(
    p_domain TEXT,
    p_command_id UUID,
    p_new_status TEXT DEFAULT 'IN_PROGRESS',
    p_msg_id BIGINT DEFAULT NULL,
    p_max_attempts INT DEFAULT NULL
) RETURNS TABLE (
    domain          TEXT,
    command_id      UUID,
    command_type    TEXT,
    status          TEXT,
    attempts        INT,
    max_attempts    INT,
    msg_id          BIGINT,
    correlation_id  UUID,
    reply_queue     TEXT,
    last_error_type TEXT,
    last_error_code TEXT,
    last_error_msg  TEXT,
    created_at      TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ,
    batch_id        UUID
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_row commandbus.command%ROWTYPE;
BEGIN
    UPDATE commandbus.command AS c
       SET attempts = c.attempts + 1,
           status = p_new_status,
           updated_at = NOW()
     WHERE c.domain = p_domain
       AND c.command_id = p_command_id
       AND c.status NOT IN ('COMPLETED', 'CANCELED', 'FAILED', 'IN_TROUBLESHOOTING_QUEUE')
    RETURNING c.* INTO v_row;

    IF NOT FOUND THEN
        RETURN;
    END IF;

    domain          := v_row.domain;
    command_id      := v_row.command_id;
    command_type    := v_row.command_type;
    status          := v_row.status;
    attempts        := v_row.attempts;
    max_attempts    := COALESCE(p_max_attempts, v_row.max_attempts);
    msg_id          := COALESCE(p_msg_id, v_row.msg_id);
    correlation_id  := v_row.correlation_id;
    reply_queue     := v_row.reply_queue;
    last_error_type := v_row.last_error_type;
    last_error_code := v_row.last_error_code;
    last_error_msg  := v_row.last_error_msg;
    created_at      := v_row.created_at;
    updated_at      := v_row.updated_at;
    batch_id        := v_row.batch_id;

    INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
    VALUES (v_row.domain, v_row.command_id, 'RECEIVED',
            jsonb_build_object('msg_id', COALESCE(p_msg_id, v_row.msg_id),
                               'attempt', v_row.attempts,
                               'max_attempts', COALESCE(p_max_attempts, v_row.max_attempts)));

    IF v_row.batch_id IS NOT NULL THEN
        PERFORM commandbus.sp_start_batch(v_row.domain, v_row.batch_id);
    END IF;

    RETURN NEXT;
END;
$$;

-- sp_finish_command: as in V001, plus FAILED (a business-rule failure,
-- counted in failed_count) as a status to finish in and a terminal one.
CREATE OR REPLACE FUNCTION commandbus.sp_finish_command(
    p_domain TEXT,
    p_command_id UUID,
    p_status TEXT,
    p_event_type TEXT,
    p_error_type TEXT DEFAULT NULL,
    p_error_code TEXT DEFAULT NULL,
    p_error_msg TEXT DEFAULT NULL,
    p_details JSONB DEFAULT NULL,
    p_batch_id UUID DEFAULT NULL
) RETURNS BOOLEAN
LANGUAGE plpgsql
AS $$
DECLARE
    v_current_status TEXT;
    v_batch_id       UUID;
    v_exists         BOOLEAN;
    v_update_type    TEXT;
BEGIN
    IF p_status IS NULL OR p_status NOT IN ('COMPLETED', 'CANCELED', 'FAILED', 'IN_TROUBLESHOOTING_QUEUE') THEN
        RAISE EXCEPTION 'commandbus.sp_finish_command: p_status must be COMPLETED, CANCELED, FAILED or IN_TROUBLESHOOTING_QUEUE, got %', quote_nullable(p_status)
            USING ERRCODE = '22023';
    END IF;

    SELECT c.status, c.batch_id INTO v_current_status, v_batch_id
      FROM commandbus.command AS c
     WHERE c.domain = p_domain AND c.command_id = p_command_id
       FOR UPDATE;
    v_exists := FOUND;

    IF v_exists AND p_batch_id IS NOT NULL AND p_batch_id IS DISTINCT FROM v_batch_id THEN
        RAISE EXCEPTION 'commandbus.sp_finish_command: p_batch_id % disagrees with batch % of command %', p_batch_id, quote_nullable(v_batch_id::text), p_command_id
            USING ERRCODE = '22023';
    END IF;

    INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
    VALUES (p_domain, p_command_id, p_event_type, p_details);

    IF NOT v_exists
       OR v_current_status IN ('COMPLETED', 'CANCELED', 'FAILED')
       OR v_current_status = p_status THEN
        RETURN FALSE;
    END IF;

    UPDATE commandbus.command AS c
       SET status = p_status,
           last_error_type = COALESCE(p_error_type, c.last_error_type),
           last_error_code = COALESCE(p_error_code, c.last_error_code),
           last_error_msg = COALESCE(p_error_msg, c.last_error_msg),
           updated_at = NOW()
     WHERE c.domain = p_domain AND c.command_id = p_command_id;

    -- Leaving the troubleshooting queue this way must also take the command
    -- out of in_troubleshooting_count, or it would be counted twice.
    v_update_type := CASE
        WHEN v_current_status = 'IN_TROUBLESHOOTING_QUEUE' AND p_status = 'COMPLETED' THEN 'tsq_complete'
        WHEN v_current_status = 'IN_TROUBLESHOOTING_QUEUE' AND p_status = 'CANCELED' THEN 'tsq_cancel'
        WHEN v_current_status = 'IN_TROUBLESHOOTING_QUEUE' AND p_status = 'FAILED' THEN 'tsq_failed'
        WHEN p_status = 'COMPLETED' THEN 'complete'
        WHEN p_status = 'CANCELED' THEN 'cancel'
        WHEN p_status = 'FAILED' THEN 'failed'
        ELSE 'tsq_move'
    END;

    RETURN commandbus.sp_update_batch_counters(p_domain, v_batch_id, v_update_type);
END;
$$;
