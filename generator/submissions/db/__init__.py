"""The database layer: connection.py (per-thread connections and transactions),
one backend module each (sqlite.py, postgres.py: only how they differ), and one
module of queries per table (submissions, lookups, outbox, audit_log, tokens, schemas).
`generator.submissions.store` puts them together and opens the right backend.

May import: core, forms, and submissions' leaf modules (records, references, migrations, crypto).
"""
