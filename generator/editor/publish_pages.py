"""Preview and publish from the workspace (the back end is site/publishing.py); editors and
admins only (`require(role="content")`: anyone else gets 404, audited).

    GET  /staff/content/publish        the page: the two buttons, and what the last press gave
    POST /staff/content/preview        builds the saved files into the preview folder
    POST /staff/content/publish        builds and switches the public site (publish(wait=False):
                                       a second publish while one runs is refused at once)
    GET  /staff/preview/<path>         the preview, both languages, search working

A preview page is the built page as it is, with the public site's CSP (its scripts run: search,
the form scripts), but `form-action 'none'`, and a banner injected at the top of the body saying
it is a preview; every form says it does not send, and its action is taken away (nothing reaches
the endpoint, with or without the CSP). Preview and publish are audited (`content-preview`,
`content-publish`: who, the project's commit id, the outcome; never text). Errors of a build are
shown in the account's language.
"""
from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from typing import Any

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from generator.core import i18n
from generator.core.problems import Problem
from generator.site.publishing import PublishOutcome, build_preview, publish
from generator.staff.context import StaffContext
from generator.staff.guards import NotFound, require
from generator.web.protection import site_content_security_policy

from . import history

PREVIEW_PREFIX = "/staff/preview/"
_BODY = re.compile(rb"<body[^>]*>")
_HTML_LANG = re.compile(rb'<html[^>]*\blang="([a-z]{2})"')
_POST_FORM = re.compile(rb'<form([^>]*?) method="post" action="[^"]*"')


def preview_dir(root: Path) -> Path:
    """Where the workspace's preview is built (never site/, never the lock)."""
    return root / ".build" / "staff-preview"


def preview_csp() -> str:
    """The public site's CSP, but no form may be sent from a preview page."""
    return site_content_security_policy().replace("form-action 'self'", "form-action 'none'")


def head_commit(root: Path) -> str:
    try:
        return history.head(root)[:12]
    except (history.GitError, OSError):
        return "no-git"


def marked(page: bytes) -> bytes:
    """A built page as the preview shows it: the banner, and forms that say they do not send."""
    found = _HTML_LANG.search(page)
    lang = found[1].decode() if found and found[1].decode() in i18n.LANGUAGE_CODES else "ar"
    banner = i18n.gettext(lang, "Preview: these pages are not public yet. Publish them from the workspace.")
    note = i18n.gettext(lang, "Preview: this form does not send anything.")
    aside = (f'<aside class="qalb-preview" aria-label="{escape(i18n.gettext(lang, "Preview"))}" style="'
             "background:#fff3cd;color:#1a1a1a;border-block-end:3px solid #8a6d00;padding:0.75rem 1rem;"
             'font-weight:bold;font-size:0.8rem;text-align:center">'
             f'<p style="margin:0">{escape(banner)}</p></aside>').encode()
    page = _BODY.sub(lambda m: m[0] + aside, page, count=1)
    notice = (f'<p class="qalb-preview-form" role="note" style="background:#fff3cd;color:#1a1a1a;'
              f'padding:0.5rem 0.75rem;font-weight:bold;font-size:0.8rem">{escape(note)}</p>').encode()
    return _POST_FORM.sub(lambda m: notice + b"<form" + m[1] + b' method="post" action="#"', page)


class PublishPages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    @property
    def root(self) -> Path:
        return self.ctx.settings.root

    def routes(self) -> list[Route]:
        return [
            Route("/staff/content/publish", self.page, methods=["GET"]),
            Route("/staff/content/preview", self.preview, methods=["POST"]),
            Route("/staff/content/publish", self.publish, methods=["POST"]),
            Route("/staff/preview", self.to_preview, methods=["GET"]),
            Route(PREVIEW_PREFIX + "{path:path}", self.serve, methods=["GET"]),
        ]

    def _page(self, request: Request, current: Any, *, status: int = 200, **values: Any) -> Response:
        lang = current.account.language
        values.setdefault("built", (preview_dir(self.root) / "index.html").is_file())
        values.setdefault("preview_problems", None)
        values.setdefault("outcome", None)
        return self.ctx.pages.page(request, "content_publish.html", lang, status=status, current=current,
                                   site_url=self.ctx.settings.site_url.rstrip("/"), **values)

    async def page(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="content")
        return self._page(request, current)

    async def preview(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        problems: list[Problem] = await ctx.run(build_preview, self.root, preview_dir(self.root))
        errors = [p for p in problems if p.severity == "error"]
        commit = await ctx.run(head_commit, self.root)
        await ctx.run(ctx.audit, current.account.email, "content-preview",
                      f"{commit} {'failed' if errors else 'built'}")
        return self._page(request, current, status=422 if errors else 200, preview_problems=problems,
                          preview_failed=bool(errors))

    async def publish(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        settings = ctx.settings
        outcome: PublishOutcome = await ctx.run(publish, self.root, site_dir=settings.site_dir,
                                                command=settings.publish_command, wait=False)
        commit = await ctx.run(head_commit, self.root)
        word = "busy" if outcome.busy else "published" if outcome.ok else \
            "command-failed" if outcome.command_status not in (None, 0) else "failed"
        status = "" if outcome.command_status is None else f" command exit {outcome.command_status}"
        await ctx.run(ctx.audit, current.account.email, "content-publish", f"{commit} {word}{status}")
        built = not outcome.busy and not any(p.severity == "error" for p in outcome.problems)
        return self._page(request, current, status=409 if outcome.busy else 200 if built else 422,
                          outcome=outcome, published=built)

    async def to_preview(self, request: Request) -> Response:
        await require(self.ctx, request, role="content")
        return RedirectResponse(PREVIEW_PREFIX, status_code=308)

    async def serve(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="content")
        rel = request.path_params["path"]
        base = os.path.realpath(preview_dir(self.root))
        full = os.path.realpath(os.path.join(base, rel))
        if os.path.commonpath([full, base]) != base or not os.path.exists(full):
            raise NotFound(current)
        if os.path.isdir(full):
            if rel and not rel.endswith("/"):  # the pages' links are relative to their folder
                return RedirectResponse(f"{PREVIEW_PREFIX}{rel}/", status_code=308)
            full = os.path.join(full, "index.html")
            if not os.path.isfile(full):
                raise NotFound(current)
        if full.endswith(".html"):
            page = await self.ctx.run(Path(full).read_bytes)
            return HTMLResponse(marked(page), headers={"Content-Security-Policy": preview_csp()})
        media = mimetypes.guess_type(full)[0] or "application/octet-stream"
        return FileResponse(full, media_type=media, headers={"Content-Security-Policy": preview_csp()})
