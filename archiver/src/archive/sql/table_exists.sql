-- Whether day $1's partition name is taken, attached to events or not.
SELECT to_regclass(format('%I', $1::text)) IS NOT NULL
