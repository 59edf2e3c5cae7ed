"""The staff workspace (issue 17, part 1): accounts and roles, a two-factor sign-in
(argon2id password, TOTP, recovery codes), server-side sessions, CSRF tokens in
every form, the audit log for admins, all server-rendered in Arabic first.

Read in this order: core/config.py (StaffSettings) -> accounts.py (what an account
may do; passwords, codes, setup links) -> sessions.py (the cookie and its row)
-> app.py (routes, the checks before each page) -> inbox.py (issue 18: the
submissions by role, audited) -> pages.py (templates in templates/staff/, words
from the catalogs) -> commands.py (`staff ...`). Reports (issue 23): reports.py
(routes, satisfaction) with periods.py, tables.py, charts.py, report_activity.py
and report_times.py.
Tables and queries live in submissions/db/accounts.py, staff_sessions.py, inbox.py,
report_values.py and activity.py.

May import: core, forms, submissions, web. Never endpoint.
"""
