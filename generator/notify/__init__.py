"""Notifications: delivering what the outbox holds (e-mails, webhooks). A new submission
tells staff at once (the form's name, its reference, the time and a link to
it in the workspace; never an answer) and, where the form says so, confirms
to the applicant with their reference; a change of a case's state can tell
the applicant too. The messages are planned and written in the submission's
own transaction by generator/submissions/notices.py and db/outbox.py; this
package builds them (compose.py: plain text and HTML, Arabic right to left,
words from the catalogs and the form file), sends them over SMTP with
aiosmtplib (sender.py: claim once, retry with backoff, then "failed"), and
posts signed JSON to a form's webhooks (webhooks.py, docs/webhooks.md),
sends each account's daily digest (digest.py) and runs the `notify` commands
(commands.py); smtp.py builds the one SMTP client. Its settings (QALB_SMTP_URL,
the webhook secrets' files and the rest) are core/config.py's NotifySettings.

May import: core, forms, submissions, web.
"""
