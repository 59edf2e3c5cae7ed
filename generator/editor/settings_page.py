"""The organisation settings' page (settings_texts.py), mounted with the editor's other pages:

    GET, POST /staff/content/settings    the settings; those not filled in yet marked as placeholders

A save is audited as the collections' are (`content-save`: the file and the commit id).
"""
from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core.organisation import SETTINGS_FILE
from generator.staff.context import StaffContext
from generator.staff.guards import require
from generator.staff.request_data import form_data
from generator.staff.sessions import Current

from . import history, settings_texts
from .catalogue import load_file
from .saving import Outcome

PATH = "/staff/content/settings"


def setting_id(index: int, lang: str) -> str:
    return f"setting-{index}{'-' + lang if lang else ''}"


class SettingsPage:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    @property
    def root(self) -> Path:
        return self.ctx.settings.root

    def routes(self) -> list[Route]:
        return [Route(PATH, self.page, methods=["GET"]), Route(PATH, self.save, methods=["POST"])]

    async def page(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="content")
        return await self.show(request, current)

    async def show(self, request: Request, current: Current, *, typed: dict[str, dict[str, str]] | None = None,
                   outcome: Outcome | None = None, status: int = 200) -> Response:
        ctx = self.ctx
        lang = current.account.language
        _, data = await ctx.run(load_file, self.root, SETTINGS_FILE)
        found = settings_texts.settings(data)
        by_key = {s.key: i for i, s in enumerate(found)}
        errors = []
        for e_lang, key, problem in (outcome.errors if outcome else []):
            index = by_key.get(key)
            errors.append({"anchor": setting_id(index, e_lang) if index is not None else "",
                           "index": index, "lang": e_lang, "text": problem.text(lang)})
        git = await ctx.run(history.is_repository, self.root)
        versions = await ctx.run(history.versions, self.root, SETTINGS_FILE) if git else []
        return ctx.pages.page(
            request, "content_settings.html", lang, status=status, current=current, settings=found,
            setting_id=setting_id, opened=settings_texts.digest(found), typed=typed, errors=errors,
            by_field={(e["index"], e["lang"]): e["text"] for e in errors if e["index"] is not None},
            outcome=outcome, git=git, fix=history.FIX_COMMAND,
            saved=request.query_params.get("saved") == "1" and outcome is None, history_file=SETTINGS_FILE,
            versions=versions, restore_state=request.query_params.get("restore", ""))

    async def save(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        data = await form_data(request)
        typed: dict[str, dict[str, str]] = {}
        for i in range(200):  # each setting's key came with the page (the file may have changed since)
            key = data.get(f"key-{i}")
            if key is not None:
                typed[key] = {lang: data.get(setting_id(i, lang), "") for lang in ("ar", "en", "")
                              if setting_id(i, lang) in data}
        account = current.account
        outcome = await ctx.run(settings_texts.save, self.root, typed, opened=data.get("opened", ""),
                                name=account.name, email=account.email)
        if outcome.status in ("saved", "unchanged"):
            if outcome.commit:
                await ctx.run(ctx.audit, account.email, "content-save", f"{SETTINGS_FILE} {outcome.commit[:12]}")
            return ctx.pages.redirect(f"{PATH}?saved={'1' if outcome.commit else '0'}")
        return await self.show(request, current, typed=typed, outcome=outcome,
                               status=409 if outcome.status in ("conflict", "no-git", "git-failed") else 422)
