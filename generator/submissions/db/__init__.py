"""The database layer: connection.py (per-thread connections and transactions),
one backend module each (sqlite.py, postgres.py: only how they differ), and one
module of queries per table (submissions, lookups, outbox, audit_log, tokens, schemas,
report_values); activity.py holds the reports' counts of submissions and cases.
`generator.submissions.store` puts them together and opens the right backend.

May import: core, forms, and submissions' leaf modules (records, references, migrations, crypto).
"""
