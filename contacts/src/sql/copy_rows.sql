COPY import_rows (line, email, domain, local_part, first_name, last_name, phone, attributes, erased)
FROM STDIN (FORMAT binary)
