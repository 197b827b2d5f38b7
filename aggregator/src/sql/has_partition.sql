-- Whether the events partition of day $1 exists (it is gone once archived).
SELECT to_regclass(format('events_p%s', to_char($1::date, 'YYYYMMDD'))) IS NOT NULL
