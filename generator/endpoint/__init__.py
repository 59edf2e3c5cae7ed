"""The forms endpoint: receive submissions, store them safely, export them for staff.

Read in this order: app.py (the routes) -> protection.py (checks before a post
is read) -> parsing.py (bytes to fields) -> records.py (what is stored) ->
writer.py (group commit) -> store.py with sqlite.py / postgres.py and
migrations.py -> export.py (Data Package) -> pages.py (what visitors see).
Around them: settings.py (environment), server.py (uvicorn), sitefiles.py
(the built site for `run`), references.py, commands.py (the CLI commands).
"""
from __future__ import annotations

from .app import create_app
from .settings import EndpointSettings

__all__ = ["EndpointSettings", "create_app"]
