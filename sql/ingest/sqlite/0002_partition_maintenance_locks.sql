-- SQLite twin of sql/ingest/0002: SQLite has no partitions, so nothing changes; the file keeps the
-- two dialects' version lists in step.

-- migrate:up
SELECT 1;

-- migrate:down
SELECT 1;
