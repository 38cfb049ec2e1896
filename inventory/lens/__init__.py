"""Devices from the Poly Lens inventory export.

A Lens import goes in two steps, and nothing is written unless every row passes:

1. `reading.read_lens_file` and `checking.validate_lens_rows` check every value of the file
   (header mapped by name; a file whose last row is cut off is
   refused with its line) and answer the clean rows or every error with its line;
2. `writing.apply_lens_rows` writes them in one transaction, and records a snapshot of the
   customer's installed base per category. Imports of a customer apply in order: under the
   customer's lock, an export older than one already applied (by its latest "Last
   Detected", then by upload) is refused (`writing.check_order`).
   A full export that would change too much of the installed base at once stops before
   writing, at a preview that its uploader confirms or discards (`review`).

Before either, a column known by no name stops the import until the partner's staff map
it to a field or ignore it (`headers`); the answer is kept for the partner's later files.

A file with nothing to report takes a quicker way first (`bulk`): PostgreSQL reads and
checks it, and the same statement of step 2 writes it. Every way reads a value by the same
rule, from the one table of columns in `columns`. `jobs` runs all this for a stored
`LensImport` and records how it ended; `export` writes realistic exports for the demo, tests
and benchmarks.
"""
