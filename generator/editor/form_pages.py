"""The form texts' page (form_texts.py), mounted with the editor's other pages:

    GET, POST /staff/content/forms/<form_id>    the form's texts, Arabic and English side by side

A save is audited as the collections' are (`content-save`: the form file and the commit id).
"""
from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core.i18n import LANGUAGE_CODES
from generator.staff.context import StaffContext
from generator.staff.guards import NotFound, require
from generator.staff.request_data import form_data
from generator.staff.sessions import Current

from . import form_texts, history
from .catalogue import load_file
from .saving import Outcome


def unit_id(index: int, lang: str) -> str:
    return f"text-{index}-{lang}"


class FormTextPages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    @property
    def root(self) -> Path:
        return self.ctx.settings.root

    def routes(self) -> list[Route]:
        path = "/staff/content/forms/{form_id:str}"
        return [Route(path, self.page, methods=["GET"]), Route(path, self.save, methods=["POST"])]

    async def _form_id(self, request: Request, current: Current) -> str:
        form_id = request.path_params["form_id"]
        if not (self.root / form_texts.form_file(form_id)).is_file() or not form_id.replace("-", "").isalnum():
            raise NotFound(current)
        return str(form_id)

    async def page(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="content")
        return await self.show(request, current, await self._form_id(request, current))

    async def show(self, request: Request, current: Current, form_id: str, *,
                   typed: dict[str, dict[str, str]] | None = None, outcome: Outcome | None = None,
                   status: int = 200) -> Response:
        ctx = self.ctx
        lang = current.account.language
        _, data = await ctx.run(load_file, self.root, form_texts.form_file(form_id))
        found = form_texts.units(data)
        labels = {u.field_name: u.text(lang) or u.field_name for u in found if u.kind == "label"}
        by_key = {u.key: i for i, u in enumerate(found)}
        errors = []
        for e_lang, key, problem in (outcome.errors if outcome else []):
            index = by_key.get(key)
            errors.append({"anchor": unit_id(index, e_lang) if index is not None else "", "lang": e_lang,
                           "index": index, "text": problem.text(lang)})
        by_field = {(e["index"], e["lang"]): e["text"] for e in errors if e["index"] is not None}
        git = await ctx.run(history.is_repository, self.root)
        versions = await ctx.run(history.versions, self.root, form_texts.form_file(form_id)) if git else []
        return ctx.pages.page(
            request, "content_form.html", lang, status=status, current=current, form_id=form_id, units=found,
            labels=labels, languages=LANGUAGE_CODES, unit_id=unit_id, opened=form_texts.digest(found),
            typed=typed, errors=errors, by_field=by_field, outcome=outcome,
            git=git, fix=history.FIX_COMMAND,
            saved=request.query_params.get("saved") == "1" and outcome is None,
            history_file=form_texts.form_file(form_id),
            versions=versions, restore_state=request.query_params.get("restore", ""),
            title=str(data.get("title", {}).get(lang, form_id)))

    async def save(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        form_id = await self._form_id(request, current)
        data = await form_data(request)
        # Each text's key came with the page (the file may have changed since).
        typed = {data[f"key-{i}"]: {lang: data.get(unit_id(i, lang), "") for lang in LANGUAGE_CODES}
                 for i in range(1000) if f"key-{i}" in data}
        account = current.account
        outcome = await ctx.run(form_texts.save, self.root, form_id, typed, opened=data.get("opened", ""),
                                name=account.name, email=account.email)
        if outcome.status in ("saved", "unchanged"):
            if outcome.commit:
                await ctx.run(ctx.audit, account.email, "content-save",
                              f"{form_texts.form_file(form_id)} {outcome.commit[:12]}")
            return ctx.pages.redirect(f"/staff/content/forms/{form_id}?saved={'1' if outcome.commit else '0'}")
        return await self.show(request, current, form_id, typed=typed, outcome=outcome,
                               status=409 if outcome.status in ("conflict", "no-git", "git-failed") else 422)
