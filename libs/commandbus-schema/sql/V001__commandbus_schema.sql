-- V001: the commandbus schema (tables, indexes, stored procedures).
-- Contract: spec/schema-v001.md. Idempotent (safe to run twice by hand) and
-- plain SQL, so real Flyway and the Node migrator apply it unchanged.
-- Released migrations are never edited: changes go into V002 and later.

CREATE EXTENSION IF NOT EXISTS pgmq;

CREATE SCHEMA IF NOT EXISTS commandbus;

-- Transaction-local (is_local = true) so the migrator's session keeps its own
-- search_path afterwards; every name below is schema-qualified anyway.
SELECT set_config('search_path', 'commandbus, public', true);

-- ============================================================================
-- Tables
-- ============================================================================

-- Created before `command`, which references it.
CREATE TABLE IF NOT EXISTS commandbus.batch (
    domain                    TEXT        NOT NULL,
    batch_id                  UUID        NOT NULL,
    name                      TEXT        NULL,
    custom_data               JSONB       NULL,
    status                    TEXT        NOT NULL DEFAULT 'PENDING',
    total_count               INT         NOT NULL DEFAULT 0,
    completed_count           INT         NOT NULL DEFAULT 0,
    canceled_count            INT         NOT NULL DEFAULT 0,
    in_troubleshooting_count  INT         NOT NULL DEFAULT 0,
    created_at                TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    started_at                TIMESTAMPTZ NULL,
    completed_at              TIMESTAMPTZ NULL,
    CONSTRAINT batch_pkey PRIMARY KEY (domain, batch_id),
    CONSTRAINT batch_status_check
        CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'COMPLETED_WITH_FAILURES')),
    -- Backstop only: sp_update_batch_counters raises a clearer error first.
    CONSTRAINT batch_counters_non_negative_check
        CHECK (total_count >= 0 AND completed_count >= 0 AND canceled_count >= 0
               AND in_troubleshooting_count >= 0)
);

CREATE INDEX IF NOT EXISTS ix_batch_status
    ON commandbus.batch (domain, status);

CREATE INDEX IF NOT EXISTS ix_batch_created
    ON commandbus.batch (domain, created_at DESC);

CREATE TABLE IF NOT EXISTS commandbus.command (
    domain            TEXT        NOT NULL,
    queue_name        TEXT        NOT NULL,
    msg_id            BIGINT      NULL,
    command_id        UUID        NOT NULL,
    command_type      TEXT        NOT NULL,
    status            TEXT        NOT NULL,
    attempts          INT         NOT NULL DEFAULT 0,
    max_attempts      INT         NOT NULL,
    lease_expires_at  TIMESTAMPTZ NULL,
    last_error_type   TEXT        NULL,
    last_error_code   TEXT        NULL,
    last_error_msg    TEXT        NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    reply_queue       TEXT        NOT NULL DEFAULT '',
    correlation_id    UUID        NULL,
    batch_id          UUID        NULL,
    CONSTRAINT command_status_check
        CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'CANCELED',
                          'IN_TROUBLESHOOTING_QUEUE')),
    -- MATCH SIMPLE (the default): a NULL batch_id means "no batch" and is not checked.
    CONSTRAINT command_batch_fkey
        FOREIGN KEY (domain, batch_id) REFERENCES commandbus.batch (domain, batch_id)
);

-- What makes a client-supplied command_id idempotent per domain (and the
-- arbiter of the producer's ON CONFLICT (domain, command_id) DO NOTHING).
CREATE UNIQUE INDEX IF NOT EXISTS uq_command_domain_cmdid
    ON commandbus.command (domain, command_id);

CREATE INDEX IF NOT EXISTS ix_command_status_type
    ON commandbus.command (status, command_type);

CREATE INDEX IF NOT EXISTS ix_command_status_created
    ON commandbus.command (status, created_at DESC);

CREATE INDEX IF NOT EXISTS ix_command_updated
    ON commandbus.command (updated_at);

CREATE INDEX IF NOT EXISTS ix_command_batch
    ON commandbus.command (domain, batch_id) WHERE batch_id IS NOT NULL;

-- Append-only. Batch-level events carry the batch_id in command_id.
CREATE TABLE IF NOT EXISTS commandbus.audit (
    audit_id      BIGSERIAL   PRIMARY KEY,
    domain        TEXT        NOT NULL,
    command_id    UUID        NOT NULL,
    event_type    TEXT        NOT NULL,
    ts            TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    details_json  JSONB       NULL,
    CONSTRAINT audit_event_type_check
        CHECK (event_type IN ('SENT', 'RECEIVED', 'FAILED', 'COMPLETED', 'CANCELED',
                              'MOVED_TO_TROUBLESHOOTING_QUEUE', 'OPERATOR_RETRY',
                              'OPERATOR_CANCEL', 'OPERATOR_COMPLETE', 'BATCH_STARTED',
                              'BATCH_COMPLETED'))
);

CREATE INDEX IF NOT EXISTS ix_audit_cmdid_ts
    ON commandbus.audit (command_id, ts);

-- The payload of a command that left the live queue for the troubleshooting
-- queue, so an operator retry never depends on PGMQ archive retention.
CREATE TABLE IF NOT EXISTS commandbus.payload_archive (
    domain        TEXT        NOT NULL,
    command_id    UUID        NOT NULL,
    payload_json  JSONB       NOT NULL,
    archived_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT payload_archive_pkey PRIMARY KEY (domain, command_id)
);

-- ============================================================================
-- Stored procedures
--
-- Lock order, everywhere: the command row first, then its batch row. Keeping
-- one order is what keeps concurrent finishers of one batch deadlock-free.
-- ============================================================================

-- sp_start_batch: PENDING -> IN_PROGRESS exactly once.
-- A single guarded UPDATE: it takes the batch row lock only while the batch
-- is still PENDING, so once a batch has started, receivers of its other
-- commands do not queue up on the batch row. A concurrent caller that loses
-- the race re-checks the guard on the committed row and matches nothing.
CREATE OR REPLACE FUNCTION commandbus.sp_start_batch(
    p_domain TEXT,
    p_batch_id UUID
) RETURNS BOOLEAN
LANGUAGE plpgsql
AS $$
DECLARE
    v_total_count INT;
BEGIN
    IF p_batch_id IS NULL THEN
        RETURN FALSE;
    END IF;

    UPDATE commandbus.batch AS b
       SET status = 'IN_PROGRESS',
           started_at = NOW()
     WHERE b.domain = p_domain
       AND b.batch_id = p_batch_id
       AND b.status = 'PENDING'
    RETURNING b.total_count INTO v_total_count;

    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;

    INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
    VALUES (p_domain, p_batch_id, 'BATCH_STARTED',
            jsonb_build_object('batch_id', p_batch_id, 'total_count', v_total_count));

    RETURN TRUE;
END;
$$;

-- sp_update_batch_counters: the one place batch counters change.
-- The batch row is locked before the counters are read, so concurrent callers
-- apply their changes one after another on the latest values, and exactly one
-- of them sees the completion transition. FOR NO KEY UPDATE (the lock the
-- UPDATE below takes anyway) rather than FOR UPDATE: it does not conflict with
-- the KEY SHARE locks that inserting commands into the batch takes for the
-- foreign key check.
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
    v_in_tsq_delta    INT;
    v_completed       INT;
    v_canceled        INT;
    v_in_tsq          INT;
    v_final_status    TEXT;
BEGIN
    -- Validate before the NULL-batch shortcut, so a wrong type is never silent.
    CASE p_update_type
        WHEN 'complete'     THEN v_completed_delta := 1; v_canceled_delta := 0; v_in_tsq_delta := 0;
        WHEN 'cancel'       THEN v_completed_delta := 0; v_canceled_delta := 1; v_in_tsq_delta := 0;
        WHEN 'tsq_move'     THEN v_completed_delta := 0; v_canceled_delta := 0; v_in_tsq_delta := 1;
        WHEN 'tsq_complete' THEN v_completed_delta := 1; v_canceled_delta := 0; v_in_tsq_delta := -1;
        WHEN 'tsq_cancel'   THEN v_completed_delta := 0; v_canceled_delta := 1; v_in_tsq_delta := -1;
        WHEN 'tsq_retry'    THEN v_completed_delta := 0; v_canceled_delta := 0; v_in_tsq_delta := -1;
        ELSE
            RAISE EXCEPTION 'commandbus.sp_update_batch_counters: unknown update type %', quote_nullable(p_update_type)
                USING ERRCODE = '22023',
                      HINT = 'one of complete, cancel, tsq_move, tsq_complete, tsq_cancel, tsq_retry';
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
    v_in_tsq    := v_batch.in_troubleshooting_count + v_in_tsq_delta;

    IF v_in_tsq < 0 THEN
        RAISE EXCEPTION 'commandbus.sp_update_batch_counters: % would take in_troubleshooting_count of batch % below zero', p_update_type, p_batch_id
            USING ERRCODE = '23514';
    END IF;

    -- Only a change that adds a finished command can complete a batch: this is
    -- what guarantees tsq_retry (and tsq_move) never do. The status guard makes
    -- the transition happen once per batch.
    IF (v_completed_delta + v_canceled_delta) > 0
       AND v_completed + v_canceled = v_batch.total_count
       AND v_in_tsq = 0
       AND v_batch.status NOT IN ('COMPLETED', 'COMPLETED_WITH_FAILURES') THEN
        v_final_status := CASE WHEN v_canceled > 0 THEN 'COMPLETED_WITH_FAILURES' ELSE 'COMPLETED' END;
    END IF;

    UPDATE commandbus.batch AS b
       SET completed_count = v_completed,
           canceled_count = v_canceled,
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
                               'canceled_count', v_canceled));
    RETURN TRUE;
END;
$$;

-- sp_receive_command: lease bookkeeping for a message the worker just read.
-- One guarded UPDATE ... RETURNING: concurrent receivers, or a receive racing
-- a finish, re-check the guard on the latest row version, so a command that
-- became terminal or went to the troubleshooting queue is never revived.
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
       AND c.status NOT IN ('COMPLETED', 'CANCELED', 'IN_TROUBLESHOOTING_QUEUE')
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

-- sp_finish_command: COMPLETED, CANCELED or IN_TROUBLESHOOTING_QUEUE, counted
-- once in the command's batch. Returns TRUE exactly when this call completed
-- the batch. Idempotent under redelivery: the command row is locked first, so
-- of two concurrent finishers the second sees the first one's status.
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
    IF p_status IS NULL OR p_status NOT IN ('COMPLETED', 'CANCELED', 'IN_TROUBLESHOOTING_QUEUE') THEN
        RAISE EXCEPTION 'commandbus.sp_finish_command: p_status must be COMPLETED, CANCELED or IN_TROUBLESHOOTING_QUEUE, got %', quote_nullable(p_status)
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
       OR v_current_status IN ('COMPLETED', 'CANCELED')
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
        WHEN p_status = 'COMPLETED' THEN 'complete'
        WHEN p_status = 'CANCELED' THEN 'cancel'
        ELSE 'tsq_move'
    END;

    RETURN commandbus.sp_update_batch_counters(p_domain, v_batch_id, v_update_type);
END;
$$;

-- sp_fail_command: a transient failure that will be retried. Only a live
-- command (PENDING or IN_PROGRESS) goes back to PENDING: reviving one from the
-- troubleshooting queue here would bypass its batch counters.
CREATE OR REPLACE FUNCTION commandbus.sp_fail_command(
    p_domain TEXT,
    p_command_id UUID,
    p_error_type TEXT,
    p_error_code TEXT,
    p_error_msg TEXT,
    p_attempt INT,
    p_max_attempts INT,
    p_msg_id BIGINT
) RETURNS BOOLEAN
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE commandbus.command AS c
       SET status = 'PENDING',
           last_error_type = p_error_type,
           last_error_code = p_error_code,
           last_error_msg = p_error_msg,
           updated_at = NOW()
     WHERE c.domain = p_domain
       AND c.command_id = p_command_id
       AND c.status IN ('PENDING', 'IN_PROGRESS');

    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;

    INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
    VALUES (p_domain, p_command_id, 'FAILED',
            jsonb_build_object('msg_id', p_msg_id,
                               'attempt', p_attempt,
                               'max_attempts', p_max_attempts,
                               'error_type', p_error_type,
                               'error_code', p_error_code,
                               'error_msg', p_error_msg));
    RETURN TRUE;
END;
$$;

-- Batch bookkeeping for an operator's action on a troubleshooting item. The
-- operator API calls these inside the transaction that locked the command row.
CREATE OR REPLACE FUNCTION commandbus.sp_tsq_complete(
    p_domain TEXT,
    p_batch_id UUID
) RETURNS BOOLEAN
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN commandbus.sp_update_batch_counters(p_domain, p_batch_id, 'tsq_complete');
END;
$$;

CREATE OR REPLACE FUNCTION commandbus.sp_tsq_cancel(
    p_domain TEXT,
    p_batch_id UUID
) RETURNS BOOLEAN
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN commandbus.sp_update_batch_counters(p_domain, p_batch_id, 'tsq_cancel');
END;
$$;

-- Never completes a batch: sp_update_batch_counters only completes on a change
-- that adds a finished command.
CREATE OR REPLACE FUNCTION commandbus.sp_tsq_retry(
    p_domain TEXT,
    p_batch_id UUID
) RETURNS BOOLEAN
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN commandbus.sp_update_batch_counters(p_domain, p_batch_id, 'tsq_retry');
END;
$$;
