-- sdiot_ensure_partitions again, safe beside live ingest: it now locks the default partition
-- before moving a day's rows out of it, so an insert landing there between the move and the
-- ATTACH cannot make the ATTACH fail (which rolled back the whole run, every time, once the
-- maintenance job had fallen more than days_ahead behind). Inserts routed to the default
-- partition wait for the few milliseconds this takes; the others are not blocked.

-- migrate:up
CREATE OR REPLACE FUNCTION sdiot_ensure_partitions(days_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    day date;
    lo timestamptz;
    hi timestamptz;
    part text;
    created integer := 0;
BEGIN
    FOR day IN SELECT generate_series((now() AT TIME ZONE 'UTC')::date,
                                      (now() AT TIME ZONE 'UTC')::date + days_ahead,
                                      interval '1 day')::date
    LOOP
        part := 'message_' || to_char(day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        lo := day::timestamp AT TIME ZONE 'UTC';
        hi := (day + 1)::timestamp AT TIME ZONE 'UTC';
        -- parent first, then the default partition: the order ingest's own statements take
        LOCK TABLE message IN SHARE UPDATE EXCLUSIVE MODE;
        LOCK TABLE message_default IN ACCESS EXCLUSIVE MODE;
        EXECUTE format('CREATE TABLE %I (LIKE message INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('WITH moved AS (DELETE FROM message_default WHERE device_ts >= %L AND device_ts < %L '
                       'RETURNING *) INSERT INTO %I SELECT * FROM moved', lo, hi, part);
        EXECUTE format('ALTER TABLE message ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        created := created + 1;
    END LOOP;
    RETURN created;
END
$$;

-- migrate:down
-- The 0001 definition (no locks) is restored by re-running 0001's function body.
CREATE OR REPLACE FUNCTION sdiot_ensure_partitions(days_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    day date;
    lo timestamptz;
    hi timestamptz;
    part text;
    created integer := 0;
BEGIN
    FOR day IN SELECT generate_series((now() AT TIME ZONE 'UTC')::date,
                                      (now() AT TIME ZONE 'UTC')::date + days_ahead,
                                      interval '1 day')::date
    LOOP
        part := 'message_' || to_char(day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        lo := day::timestamp AT TIME ZONE 'UTC';
        hi := (day + 1)::timestamp AT TIME ZONE 'UTC';
        EXECUTE format('CREATE TABLE %I (LIKE message INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('WITH moved AS (DELETE FROM message_default WHERE device_ts >= %L AND device_ts < %L '
                       'RETURNING *) INSERT INTO %I SELECT * FROM moved', lo, hi, part);
        EXECUTE format('ALTER TABLE message ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        created := created + 1;
    END LOOP;
    RETURN created;
END
$$;
