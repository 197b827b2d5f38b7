-- 0025 Sessions that create the same day partition at once all succeed.
--
-- Two writers (or replicas) that meet a new day together both call
-- tally_ensure_day_partition. The loser of the race could fail with "type
-- events_pYYYYMMDD already exists" (duplicate_object): the winner committed between
-- the loser's check of the table's name and its check of the row type's name. The
-- batch was retried and stored, but only after a logged failure and a backoff. The
-- function now takes that error, like the two it took, as "another session made it".

CREATE OR REPLACE FUNCTION tally_ensure_day_partition(day date, OUT partition_name text, OUT created boolean)
    LANGUAGE plpgsql
    AS $$
DECLARE
    existing regclass;
    lower_bound text;
    upper_bound text;
BEGIN
    IF day IS NULL OR NOT isfinite(day) THEN
        RAISE EXCEPTION 'cannot make an events partition for day %', coalesce(day::text, 'NULL');
    END IF;
    partition_name := 'events_p' || to_char(day, 'YYYYMMDD');
    created := false;

    existing := to_regclass(partition_name);
    IF existing IS NULL THEN
        lower_bound := to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00';
        upper_bound := to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00';
        BEGIN
            EXECUTE format(
                'CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
                ' INCLUDING STORAGE INCLUDING COMPRESSION)', partition_name);
            EXECUTE format(
                'ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                partition_name, lower_bound, upper_bound);
            EXECUTE format(
                'COMMENT ON TABLE %I IS %L', partition_name,
                format('Events that occurred on %s (UTC); partition of events', to_char(day, 'YYYY-MM-DD')));
            created := true;
            RETURN;
        EXCEPTION WHEN duplicate_table OR duplicate_object OR unique_violation THEN
            -- Another session created it first: duplicate_table if it had
            -- committed before we looked, duplicate_object (its row type) if it
            -- committed between the checks of the table's name and of its type's,
            -- unique_violation on the catalog if it committed while we waited for
            -- it. Either way it now exists.
            existing := to_regclass(partition_name);
        END;
    END IF;

    IF existing IS NULL OR NOT EXISTS (
        SELECT 1 FROM pg_inherits WHERE inhrelid = existing AND inhparent = 'events'::regclass
    ) THEN
        RAISE EXCEPTION 'table % exists but is not a partition of events', partition_name
            USING HINT = 'rename or drop the stray table, then retry';
    END IF;
END
$$;
