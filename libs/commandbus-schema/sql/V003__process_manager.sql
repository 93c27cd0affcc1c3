-- V003: the process manager's tables: a process (a multi-step flow driven
-- by its commands' replies) and a row per step's command and reply.
-- Contract: docs/schema.md. Table and column names are those of the Python
-- command bus, so a database migrated by either library has the same shape.
-- Idempotent (safe to run twice by hand) and plain SQL, like V001 and V002.

SELECT set_config('search_path', 'commandbus, public', true);

-- Statuses: PENDING, IN_PROGRESS, WAITING (for a step's reply),
-- WAITING_FOR_TSQ, COMPENSATING, COMPLETED, COMPENSATED, FAILED, CANCELED.
-- No CHECK constraint: the Python library declares none, and both libraries
-- must accept the same rows.
CREATE TABLE IF NOT EXISTS commandbus.process (
    domain         VARCHAR(255) NOT NULL,
    process_id     UUID         NOT NULL,
    process_type   VARCHAR(255) NOT NULL,
    status         VARCHAR(50)  NOT NULL DEFAULT 'PENDING',
    current_step   VARCHAR(255) NULL,
    state          JSONB        NOT NULL DEFAULT '{}',
    error_code     VARCHAR(255) NULL,
    error_message  TEXT         NULL,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at     TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    completed_at   TIMESTAMPTZ  NULL,
    batch_id       UUID         NULL,
    CONSTRAINT pk_process PRIMARY KEY (domain, process_id)
);

CREATE INDEX IF NOT EXISTS ix_process_type ON commandbus.process (domain, process_type);
CREATE INDEX IF NOT EXISTS ix_process_status ON commandbus.process (domain, status);
CREATE INDEX IF NOT EXISTS ix_process_created ON commandbus.process (created_at);
CREATE INDEX IF NOT EXISTS ix_process_batch
    ON commandbus.process (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_process_batch_status
    ON commandbus.process (batch_id, status) WHERE batch_id IS NOT NULL;

-- One row per step command a process sent: filled in when its reply arrives.
-- A reply applied twice finds reply_outcome already set and changes nothing.
CREATE TABLE IF NOT EXISTS commandbus.process_audit (
    id             BIGSERIAL    PRIMARY KEY,
    domain         VARCHAR(255) NOT NULL,
    process_id     UUID         NOT NULL,
    step_name      VARCHAR(255) NOT NULL,
    command_id     UUID         NOT NULL,
    command_type   VARCHAR(255) NOT NULL,
    command_data   JSONB        NULL,
    sent_at        TIMESTAMPTZ  NOT NULL,
    reply_outcome  VARCHAR(50)  NULL,
    reply_data     JSONB        NULL,
    received_at    TIMESTAMPTZ  NULL,
    CONSTRAINT fk_process_audit_process
        FOREIGN KEY (domain, process_id) REFERENCES commandbus.process (domain, process_id)
);

CREATE INDEX IF NOT EXISTS ix_process_audit_process
    ON commandbus.process_audit (domain, process_id);
CREATE INDEX IF NOT EXISTS ix_process_audit_command
    ON commandbus.process_audit (command_id);
