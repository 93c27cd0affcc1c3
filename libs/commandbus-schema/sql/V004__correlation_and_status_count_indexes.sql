-- V004: two indexes on commandbus.command that keep operator reads fast on
-- millions of rows: the search by correlation id, and the per-domain counts
-- and listings of one status. Contract: docs/schema.md.
-- Idempotent (safe to run twice by hand) and plain SQL, like V001 and V002.
--
-- Plain CREATE INDEX, not CONCURRENTLY: Flyway and the Node migrator run each
-- migration in a transaction, where CONCURRENTLY is refused. On a large table
-- the build blocks writes to commandbus.command while it runs; docs/schema.md
-- shows how to build both indexes concurrently by hand before migrating, and
-- IF NOT EXISTS then skips them here.

-- A correlation id leads, so a search by it alone is one index probe on every
-- PostgreSQL version (no skip scan needed). Commands without one (most sends
-- of a plain producer) stay out of the index.
CREATE INDEX IF NOT EXISTS ix_command_correlation
    ON commandbus.command (correlation_id)
    WHERE correlation_id IS NOT NULL;

-- Status first, then domain: a count of one status in one domain reads only
-- this index (index-only once the table is vacuumed), even when the query
-- tests the domain in a form that cannot be an index condition. updated_at,
-- command_id is the troubleshooting queue's order (oldest arrival first) and
-- its keyset, so a page of it stops after the page; the last hour's settled
-- commands of a domain are a range of it too.
CREATE INDEX IF NOT EXISTS ix_command_status_domain_updated
    ON commandbus.command (status, domain, updated_at, command_id);
