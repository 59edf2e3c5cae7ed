"""The versions of a file that is one item on its page (a form's texts, the settings, the
synonyms): the commits that changed it, and one put back whole as a new commit (checked first,
as every save is). A collection item's versions are its own (pages.py restores one item).

    POST /staff/content/restore    file= (one of `files`), version= (a commit id from the list)
"""
from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core.problems import Problem
from generator.site.search_synonyms import SYNONYMS_FILE
from generator.staff.context import StaffContext
from generator.staff.guards import NotFound, require
from generator.staff.request_data import form_data

from . import history
from .saving import ONE_AT_A_TIME, Outcome, write_texts

SETTINGS = "content/settings.yml"


def files(root: Path) -> dict[str, str]:
    """The files restored whole -> the page that edits them."""
    found = {SETTINGS: "/staff/content/settings", SYNONYMS_FILE: "/staff/content/synonyms"}
    for path in sorted((root / "forms").glob("*.yml")):
        found[f"forms/{path.name}"] = f"/staff/content/forms/{path.stem}"
    return found


def restore(root: Path, file: str, version: str, *, name: str, email: str) -> Outcome:
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        text = history.file_at(root, version, file)
        if text is None:
            return Outcome("unchanged")
        if (root / file).exists() and (root / file).read_text(encoding="utf-8") == text:
            return Outcome("unchanged")

        def summary_only(_: str, problems: list[Problem]) -> list[tuple[str, str, Problem]]:
            return [("", "", p) for p in problems]

        return write_texts(root, {file: text}, placer=summary_only, name=name, email=email,
                           message=f"{file}: restored from {version[:12]}")


class FileHistory:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    @property
    def root(self) -> Path:
        return self.ctx.settings.root

    def routes(self) -> list[Route]:
        return [Route("/staff/content/restore", self.restore, methods=["POST"])]

    async def restore(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        data = await form_data(request)
        file, version = data.get("file", ""), data.get("version", "")
        page = files(self.root).get(file)
        if page is None:
            raise NotFound(current)
        account = current.account
        outcome = await ctx.run(restore, self.root, file, version, name=account.name, email=account.email)
        if outcome.commit:
            await ctx.run(ctx.audit, account.email, "content-restore",
                          f"{file} {version[:12]} -> {outcome.commit[:12]}")
            return ctx.pages.redirect(f"{page}?saved=1")
        word = "refused" if outcome.status != "unchanged" else "unchanged"
        return ctx.pages.redirect(f"{page}?restore={word}")
