-- placeholder, replaced by the real compatible implementation
CREATE TABLE pgmq.meta (queue_name VARCHAR UNIQUE NOT NULL, is_partitioned BOOLEAN NOT NULL, is_unlogged BOOLEAN NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
