"""The public submission endpoint: receives form posts, checks and stores them,
answers with the thank-you page or the form with its errors, and serves the
token-protected HTTP export (and, for `run`, the built site beside it).

Read in this order: app.py (the routes, and the one handler that answers a
raised `Refused`) -> context.py (what the routes share, built once) ->
web/protection.py (read_post: the checks before a post is read) -> parsing.py
(bytes to fields; a form with a file field streams its multipart post through
uploads/multipart.py instead) -> submissions/records.py (what is stored) ->
submissions/writer.py (group commit) -> submissions/store.py with
submissions/db/ and migrations.py -> submissions/export.py (Data Package) ->
public_pages.py (what visitors see) and responses.py (the headers they come
with, and refusals as a page or JSON) -> status.py (the applicant's status
lookup). Around them: core/config.py (EndpointSettings), web/server.py (uvicorn),
web/sitefiles.py (the built site for `run`), commands.py (the `endpoint` and
`run` commands).

With notifications on (QALB_SMTP_URL, or a form's webhooks), the store is
opened with the outbox planner (commands.py; app.py for a store of its own)
and the lifespan runs a notify.Sender beside the writer.

May import: core, forms, submissions, uploads, web, notify. Never staff; never serves /staff/.
"""
