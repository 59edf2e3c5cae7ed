"""The staff workspace: accounts and roles, a two-factor sign-in (argon2id password,
TOTP, recovery codes), server-side sessions, CSRF tokens in every form, the audit log
for admins, the inbox, case handling, reports and messages, all server-rendered in
Arabic first.

Read in this order: core/config.py (StaffSettings) -> accounts.py (what an account may do;
passwords, codes, setup links) -> sessions.py (the cookies and the session's row) ->
form_tokens.py (CSRF: tokens bound to the session) -> templates.py
(templates in templates/staff/, words from the catalogs; `Pages` renders them) ->
context.py (`StaffContext`: what every part shares, built once) -> guards.py
(`require(...)` returns the signed-in account or raises `AccessRefused`) -> app.py (routes,
middleware, the one handler of refusals) -> sign_in.py, admin.py (accounts), audit_page.py (audit log, in
words from audit_words.py)
-> inbox.py (the submissions by role, audited) with submission_page.py (one
submission, shared with casework.py; its files in files_page.py), wording.py (dates, states, channels, staff by name),
committee.py (the print for the committee), exports.py (the export zip) with spreadsheet.py ->
casework.py (cases; requests entered for other channels) -> messages_page.py (failed
messages, deliveries, e-mail choices) -> own_account.py (each person's password,
sessions with devices.py, recovery codes; account_changes.py) -> commands.py (`staff ...`). Reports:
reports.py (routes, satisfaction) with periods.py, tables.py, charts.py,
report_activity.py and report_times.py.
Tables and queries live in submissions/db/accounts.py, staff_sessions.py, inbox.py,
report_values.py and activity.py.

The content editor's routes (editor/pages.py) are mounted by app.py.

May import: core, forms, submissions, web, editor. Never endpoint.
"""
