"""Importing a shop's customers and orders from the CSV files its spreadsheets, POS or old CRM
save: reading any of the encodings Excel writes in Taiwan and China, mapping the header by name,
checking every cell with a message that says what is wrong, then writing the good rows in bulk.

`reading` turns bytes into rows, `columns` maps the header, `values` parses cells, `report` keeps
the problems, and `customers` / `orders` check and apply one kind of file each.
"""
