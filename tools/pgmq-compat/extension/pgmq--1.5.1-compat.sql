-- commandbus's own PGMQ-compatible implementation (version 1.5.1-compat), for
-- development and tests on PostgreSQL servers without the real PGMQ. Written
-- from the documented behaviour of PGMQ's public functions (what it covers
-- and leaves out: docs/pgmq-compat.md); production uses the real extension.
--
-- Conventions:
-- * A queue's tables live in a name chosen by the caller, so every statement
--   touching them is dynamic: the table name always goes through
--   pgmq._table_name() (validation) and format('%I') (quoting); values are
--   passed with EXECUTE ... USING, never spliced into the text.
-- * The hot functions (send, send_batch, read, delete/archive of arrays,
--   set_vt) are one statement each: no per-row loops, no extra round trips.
-- * Visibility compares vt with clock_timestamp(), not now(): a worker's
--   transaction may be long, and a message must become visible when its
--   lease really expires.

\echo Use "CREATE EXTENSION pgmq" to load this file. \quit

-- Objects ---------------------------------------------------------------

CREATE TABLE pgmq.meta (
  queue_name     VARCHAR UNIQUE NOT NULL,
  is_partitioned BOOLEAN NOT NULL,
  is_unlogged    BOOLEAN NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The queue tables are plain user tables (pg_dump keeps them); registering
-- meta as configuration keeps its rows in a dump too, so a restored database
-- still knows its queues.
SELECT pg_catalog.pg_extension_config_dump('pgmq.meta', '');

CREATE TYPE pgmq.message_record AS (
  msg_id      BIGINT,
  read_ct     INTEGER,
  enqueued_at TIMESTAMPTZ,
  vt          TIMESTAMPTZ,
  message     JSONB,
  headers     JSONB
);

CREATE TYPE pgmq.metrics_result AS (
  queue_name           TEXT,
  queue_length         BIGINT,
  newest_msg_age_sec   INT,
  oldest_msg_age_sec   INT,
  total_messages       BIGINT,
  scrape_time          TIMESTAMPTZ,
  queue_visible_length BIGINT
);

CREATE TYPE pgmq.queue_record AS (
  queue_name     VARCHAR,
  is_partitioned BOOLEAN,
  is_unlogged    BOOLEAN,
  created_at     TIMESTAMPTZ
);

-- Queue names -----------------------------------------------------------

-- Returns '<prefix>_<lower(queue_name)>' or raises. 47 is the longest name
-- whose derived identifiers (q_<name>_msg_id_seq, a_<name>_archived_idx, ...)
-- stay within PostgreSQL's 63-byte identifier limit; names are measured in
-- bytes as well, so a multi-byte name is never silently truncated into a
-- collision. The forbidden characters are the ones that could end a quoted
-- literal or comment in code that builds SQL from queue names.
CREATE FUNCTION pgmq._table_name(queue_name TEXT, prefix TEXT)
RETURNS TEXT
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
  IF queue_name IS NULL OR queue_name = '' THEN
    RAISE EXCEPTION 'pgmq: queue name must not be empty'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF octet_length(queue_name) > 47 THEN
    RAISE EXCEPTION 'pgmq: queue name "%" is too long (% bytes); the maximum is 47', queue_name, octet_length(queue_name)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF strpos(queue_name, '$') > 0 OR strpos(queue_name, ';') > 0
     OR strpos(queue_name, '--') > 0 OR strpos(queue_name, '''') > 0 THEN
    RAISE EXCEPTION 'pgmq: queue name "%" contains a forbidden character: $, ;, -- and '' are not allowed', queue_name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN prefix || '_' || lower(queue_name);
END;
$$;

-- Queue lifecycle -------------------------------------------------------

CREATE FUNCTION pgmq.create(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  -- `create` is a reserved word, so the parameter cannot be qualified as
  -- create.queue_name inside SQL; a local copy avoids the column clash.
  new_queue CONSTANT TEXT := queue_name;
  q_table   CONSTANT TEXT := pgmq._table_name(queue_name, 'q');
  a_table   CONSTANT TEXT := pgmq._table_name(queue_name, 'a');
BEGIN
  -- Two sessions creating the same queue would both find no table and then
  -- collide in the catalog; the lock makes the second one wait and see the
  -- first one's tables. Keyed on the table name, since 'Q' and 'q' share it.
  -- Existence is checked explicitly rather than with IF NOT EXISTS, so that
  -- the usual repeated create (every service start) emits no notices.
  PERFORM pg_advisory_xact_lock(hashtextextended('pgmq.queue:' || q_table, 0));

  IF to_regclass(format('pgmq.%I', q_table)) IS NULL THEN
    EXECUTE format(
      'CREATE TABLE pgmq.%I (
         msg_id      BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
         read_ct     INT NOT NULL DEFAULT 0,
         enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
         vt          TIMESTAMPTZ NOT NULL,
         message     JSONB,
         headers     JSONB
       )', q_table);
    EXECUTE format('CREATE INDEX %I ON pgmq.%I (vt)', q_table || '_vt_idx', q_table);
  END IF;

  IF to_regclass(format('pgmq.%I', a_table)) IS NULL THEN
    EXECUTE format(
      'CREATE TABLE pgmq.%I (
         msg_id      BIGINT PRIMARY KEY,
         read_ct     INT NOT NULL DEFAULT 0,
         enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
         archived_at TIMESTAMPTZ NOT NULL DEFAULT now(),
         vt          TIMESTAMPTZ NOT NULL,
         message     JSONB,
         headers     JSONB
       )', a_table);
    EXECUTE format('CREATE INDEX %I ON pgmq.%I (archived_at)', a_table || '_archived_idx', a_table);
  END IF;

  -- One meta row per table: creating 'Orders' after 'orders' is the same queue.
  INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged)
  SELECT new_queue, false, false
  WHERE NOT EXISTS (SELECT 1 FROM pgmq.meta AS m WHERE lower(m.queue_name) = lower(new_queue));
END;
$$;

CREATE FUNCTION pgmq.drop_queue(queue_name TEXT)
RETURNS BOOLEAN
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  q_table CONSTANT TEXT := pgmq._table_name(queue_name, 'q');
  a_table CONSTANT TEXT := pgmq._table_name(queue_name, 'a');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('pgmq.queue:' || q_table, 0));

  IF NOT EXISTS (SELECT 1 FROM pgmq.meta AS m WHERE lower(m.queue_name) = lower(drop_queue.queue_name))
     AND to_regclass(format('pgmq.%I', q_table)) IS NULL THEN
    RAISE NOTICE 'pgmq: queue "%" does not exist', queue_name;
    RETURN FALSE;
  END IF;

  EXECUTE format('DROP TABLE IF EXISTS pgmq.%I', q_table);
  EXECUTE format('DROP TABLE IF EXISTS pgmq.%I', a_table);
  DELETE FROM pgmq.meta AS m WHERE lower(m.queue_name) = lower(drop_queue.queue_name);
  RETURN TRUE;
END;
$$;

CREATE FUNCTION pgmq.list_queues()
RETURNS SETOF pgmq.queue_record
LANGUAGE sql STABLE
AS $$
  SELECT m.queue_name, m.is_partitioned, m.is_unlogged, m.created_at
  FROM pgmq.meta AS m
  ORDER BY m.created_at, m.queue_name;
$$;

-- Sending -----------------------------------------------------------------
-- The two 4-argument forms do the work; the shorter overloads only fill in
-- "no headers" and "no delay", so there is one INSERT per delay flavour.

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, headers JSONB, delay INTEGER)
RETURNS SETOF BIGINT
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'INSERT INTO pgmq.%I (vt, message, headers)
     VALUES (clock_timestamp() + make_interval(secs => $1), $2, $3)
     RETURNING msg_id', pgmq._table_name(queue_name, 'q'))
  USING delay, msg, headers;
END;
$$;

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, headers JSONB, delay TIMESTAMPTZ)
RETURNS SETOF BIGINT
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'INSERT INTO pgmq.%I (vt, message, headers) VALUES ($1, $2, $3) RETURNING msg_id',
    pgmq._table_name(queue_name, 'q'))
  USING delay, msg, headers;
END;
$$;

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB)
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send(queue_name, msg, NULL::jsonb, 0) $$;

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, delay INTEGER)
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send(queue_name, msg, NULL::jsonb, delay) $$;

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, headers JSONB)
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send(queue_name, msg, headers, 0) $$;

CREATE FUNCTION pgmq.send(queue_name TEXT, msg JSONB, delay TIMESTAMPTZ)
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send(queue_name, msg, NULL::jsonb, delay) $$;

-- One INSERT ... SELECT over the unnested arrays. Identity values are drawn in
-- the order rows are inserted (the ORDER BY ord), and a session's nextval()
-- only grows, so sorting the returned ids restores the input order even
-- though RETURNING itself promises no order. A NULL headers array pads every
-- row with NULL headers; a headers array of another length is a caller bug.
CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], headers JSONB[], delay TIMESTAMPTZ)
RETURNS SETOF BIGINT
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  IF headers IS NOT NULL AND cardinality(headers) <> cardinality(msgs) THEN
    RAISE EXCEPTION 'pgmq: send_batch got % messages but % headers', cardinality(msgs), cardinality(headers)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY EXECUTE format(
    'WITH inserted AS (
       INSERT INTO pgmq.%I (vt, message, headers)
       SELECT $1, m.msg, m.hdr
       FROM unnest($2, $3) WITH ORDINALITY AS m(msg, hdr, ord)
       ORDER BY m.ord
       RETURNING msg_id
     )
     SELECT msg_id FROM inserted ORDER BY msg_id', pgmq._table_name(queue_name, 'q'))
  USING delay, msgs, headers;
END;
$$;

-- The delay is turned into one timestamp for the whole batch.
CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], headers JSONB[], delay INTEGER)
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send_batch(queue_name, msgs, headers, clock_timestamp() + make_interval(secs => delay)) $$;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[])
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send_batch(queue_name, msgs, NULL::jsonb[], clock_timestamp()) $$;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], delay INTEGER)
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send_batch(queue_name, msgs, NULL::jsonb[], clock_timestamp() + make_interval(secs => delay)) $$;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], headers JSONB[])
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send_batch(queue_name, msgs, headers, clock_timestamp()) $$;

CREATE FUNCTION pgmq.send_batch(queue_name TEXT, msgs JSONB[], delay TIMESTAMPTZ)
RETURNS SETOF BIGINT LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgmq.send_batch(queue_name, msgs, NULL::jsonb[], delay) $$;

-- Reading -----------------------------------------------------------------

-- Lease up to qty visible messages, lowest msg_id first. SKIP LOCKED lets
-- concurrent readers take disjoint rows instead of queueing on each other;
-- a row another reader leased and committed meanwhile is re-checked against
-- vt under READ COMMITTED and dropped, so a lease is never handed out twice.
-- The containment filter is only put into the text when there is one, so the
-- common unconditional read plans without it.
CREATE FUNCTION pgmq.read(queue_name TEXT, vt INTEGER, qty INTEGER, conditional JSONB DEFAULT '{}')
RETURNS SETOF pgmq.message_record
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH picked AS (
       SELECT msg_id FROM pgmq.%1$I
       WHERE vt <= clock_timestamp() %2$s
       ORDER BY msg_id
       LIMIT $1
       FOR UPDATE SKIP LOCKED
     ), leased AS (
       UPDATE pgmq.%1$I AS q
       SET vt = clock_timestamp() + make_interval(secs => $2), read_ct = q.read_ct + 1
       FROM picked
       WHERE q.msg_id = picked.msg_id
       RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message, q.headers
     )
     SELECT * FROM leased ORDER BY msg_id',
    pgmq._table_name(queue_name, 'q'),
    CASE WHEN coalesce(conditional, '{}'::jsonb) = '{}'::jsonb THEN '' ELSE 'AND message @> $3' END)
  USING qty, vt, conditional;
END;
$$;

-- Each loop iteration is a new statement, so under READ COMMITTED it sees
-- messages committed while we slept.
CREATE FUNCTION pgmq.read_with_poll(
  queue_name TEXT,
  vt INTEGER,
  qty INTEGER,
  max_poll_seconds INTEGER DEFAULT 5,
  poll_interval_ms INTEGER DEFAULT 100,
  conditional JSONB DEFAULT '{}'
)
RETURNS SETOF pgmq.message_record
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  deadline CONSTANT TIMESTAMPTZ := clock_timestamp() + make_interval(secs => max_poll_seconds);
BEGIN
  LOOP
    RETURN QUERY SELECT * FROM pgmq.read(queue_name, vt, qty, conditional);
    IF FOUND OR clock_timestamp() >= deadline THEN
      RETURN;
    END IF;
    PERFORM pg_sleep(least(
      poll_interval_ms / 1000.0,
      extract(epoch FROM deadline - clock_timestamp())));
  END LOOP;
END;
$$;

-- Read-and-delete: the message is gone once this commits, with no lease.
CREATE FUNCTION pgmq.pop(queue_name TEXT)
RETURNS SETOF pgmq.message_record
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH picked AS (
       SELECT msg_id FROM pgmq.%1$I
       WHERE vt <= clock_timestamp()
       ORDER BY msg_id
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     )
     DELETE FROM pgmq.%1$I AS q
     USING picked
     WHERE q.msg_id = picked.msg_id
     RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message, q.headers',
    pgmq._table_name(queue_name, 'q'));
END;
$$;

CREATE FUNCTION pgmq.set_vt(queue_name TEXT, msg_id BIGINT, vt INTEGER)
RETURNS SETOF pgmq.message_record
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'UPDATE pgmq.%I
     SET vt = clock_timestamp() + make_interval(secs => $2)
     WHERE msg_id = $1
     RETURNING msg_id, read_ct, enqueued_at, vt, message, headers',
    pgmq._table_name(queue_name, 'q'))
  USING msg_id, vt;
END;
$$;

-- Finishing ---------------------------------------------------------------

CREATE FUNCTION pgmq.delete(queue_name TEXT, msg_id BIGINT)
RETURNS BOOLEAN
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  deleted BIGINT;
BEGIN
  EXECUTE format('DELETE FROM pgmq.%I WHERE msg_id = $1 RETURNING msg_id', pgmq._table_name(queue_name, 'q'))
  INTO deleted
  USING msg_id;
  RETURN deleted IS NOT NULL;
END;
$$;

CREATE FUNCTION pgmq.delete(queue_name TEXT, msg_ids BIGINT[])
RETURNS SETOF BIGINT
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'DELETE FROM pgmq.%I WHERE msg_id = ANY($1) RETURNING msg_id', pgmq._table_name(queue_name, 'q'))
  USING msg_ids;
END;
$$;

-- Archiving moves the row in one statement (DELETE ... RETURNING feeding the
-- INSERT), so a message is never in both tables or in neither.
CREATE FUNCTION pgmq.archive(queue_name TEXT, msg_id BIGINT)
RETURNS BOOLEAN
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  archived BIGINT;
BEGIN
  EXECUTE format(
    'WITH moved AS (
       DELETE FROM pgmq.%I WHERE msg_id = $1
       RETURNING msg_id, read_ct, enqueued_at, vt, message, headers
     )
     INSERT INTO pgmq.%I (msg_id, read_ct, enqueued_at, vt, message, headers)
     SELECT msg_id, read_ct, enqueued_at, vt, message, headers FROM moved
     RETURNING msg_id',
    pgmq._table_name(queue_name, 'q'), pgmq._table_name(queue_name, 'a'))
  INTO archived
  USING msg_id;
  RETURN archived IS NOT NULL;
END;
$$;

CREATE FUNCTION pgmq.archive(queue_name TEXT, msg_ids BIGINT[])
RETURNS SETOF BIGINT
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH moved AS (
       DELETE FROM pgmq.%I WHERE msg_id = ANY($1)
       RETURNING msg_id, read_ct, enqueued_at, vt, message, headers
     )
     INSERT INTO pgmq.%I (msg_id, read_ct, enqueued_at, vt, message, headers)
     SELECT msg_id, read_ct, enqueued_at, vt, message, headers FROM moved
     RETURNING msg_id',
    pgmq._table_name(queue_name, 'q'), pgmq._table_name(queue_name, 'a'))
  USING msg_ids;
END;
$$;

-- DELETE rather than TRUNCATE: TRUNCATE would block every reader and sender
-- behind an ACCESS EXCLUSIVE lock and is not MVCC-safe for concurrent
-- snapshots; purging is rare enough that the row-by-row cost is fine.
CREATE FUNCTION pgmq.purge_queue(queue_name TEXT)
RETURNS BIGINT
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  purged BIGINT;
BEGIN
  EXECUTE format('DELETE FROM pgmq.%I', pgmq._table_name(queue_name, 'q'));
  GET DIAGNOSTICS purged = ROW_COUNT;
  RETURN purged;
END;
$$;

-- Metrics -----------------------------------------------------------------

-- A read-only snapshot, so STABLE; every figure is taken at one instant,
-- scrape_time = now(). total_messages comes from the identity sequence (it
-- counts messages ever sent, including deleted, archived and rolled back
-- ones); a sequence that never handed out a value reports NULL, i.e. 0.
CREATE FUNCTION pgmq.metrics(queue_name TEXT)
RETURNS pgmq.metrics_result
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  q_table CONSTANT TEXT := pgmq._table_name(queue_name, 'q');
  result pgmq.metrics_result;
BEGIN
  EXECUTE format(
    'SELECT $1,
            count(*),
            extract(epoch FROM now() - max(enqueued_at))::int,
            extract(epoch FROM now() - min(enqueued_at))::int,
            coalesce(pg_sequence_last_value(pg_get_serial_sequence($2, ''msg_id'')::regclass), 0),
            now(),
            count(*) FILTER (WHERE vt <= now())
     FROM pgmq.%I', q_table)
  INTO result
  USING queue_name, format('pgmq.%I', q_table);
  RETURN result;
END;
$$;

CREATE FUNCTION pgmq.metrics_all()
RETURNS SETOF pgmq.metrics_result
LANGUAGE sql STABLE
AS $$
  SELECT r.*
  FROM pgmq.meta AS m
  CROSS JOIN LATERAL pgmq.metrics(m.queue_name) AS r
  ORDER BY m.queue_name;
$$;
