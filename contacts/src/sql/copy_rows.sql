COPY import_rows (line, email, domain, local_part, first_name, last_name, phone, attributes)
FROM STDIN (FORMAT binary)
