// The chaos suite's own tables, beside the commandbus schema: the effect each
// handler commits with its command, the log of every execution (written
// outside that transaction, so it records attempts that rolled back too), and
// the poison switches the operator scenario uses to make handlers fail.
export const CHAOS_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS chaos;

-- Exactly-once: written in the finishing transaction; the primary key makes a
-- second effect for one command impossible to commit.
CREATE TABLE IF NOT EXISTS chaos.effect (
  command_id  UUID PRIMARY KEY,
  domain      TEXT NOT NULL,
  worker_pid  INT NOT NULL,
  attempt     INT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- At-least-once: one row per handler run, from a separate connection.
-- outcome: NULL while running (or when the worker died), then
-- 'effect', 'duplicate' (the effect was already there) or 'failed'.
CREATE TABLE IF NOT EXISTS chaos.execution (
  execution_id BIGSERIAL PRIMARY KEY,
  domain       TEXT NOT NULL,
  command_id   UUID NOT NULL,
  worker_pid   INT NOT NULL,
  attempt      INT NOT NULL,
  started_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  ended_at     TIMESTAMPTZ,
  outcome      TEXT
);
CREATE INDEX IF NOT EXISTS execution_command_idx ON chaos.execution (domain, command_id);

-- While remaining > 0 the handler of that command fails permanently, one
-- failure per run (decremented outside the handler's transaction).
CREATE TABLE IF NOT EXISTS chaos.poison (
  command_id UUID PRIMARY KEY,
  remaining  INT NOT NULL
);
`;
