"""The editor's pages, mounted by the staff app (staff/app.py); editors and admins only
(`require(role="content")`: anyone else gets 404, audited).

    GET  /staff/content/                              every item with its state; ?show=work: those needing work
    GET  /staff/content/<collection>/<section>/<id>   the item's edit page, its versions; ?version=<commit>:
                                                      that version beside now
    POST /staff/content/<collection>/<section>/<id>   save (checked, committed; see saving.py); with
                                                      preview=1: the page again, the typed item rendered
                                                      by the site's Markdown below the fields, nothing saved
    POST /staff/content/<collection>/<section>/<id>/restore   a version put back (a new commit)
    POST /staff/content/<collection>/<section>/<id>/accept    "the other language is still right": this
                                                      item's translation lock alone (a commit)
    POST /staff/content/<collection>/<section>/<id>/move      one place up or down
    GET, POST /staff/content/<collection>/<section>/<id>/delete   what links to it; deleted once confirmed
    GET, POST /staff/content/<collection>/<section>/_new      a new item (its id proposed from the English title)

Every save, restore, accept, addition, move and deletion is audited with who, the item and the commit id,
never the text.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core.i18n import LANGUAGE_CODES
from generator.core.problems import Problem
from generator.site.translations import read_lock
from generator.staff.context import StaffContext
from generator.staff.guards import NotFound, require
from generator.staff.request_data import form_data
from generator.staff.sessions import Current

from . import history, rendering, saving, structure
from .catalogue import Ref, Values, field_lines, fields, find, listing, load_file, needs_review, others, values_of
from .review import since_in_step
from .yamlfile import load

SECTION = "/staff/content/{collection:str}/{section:str}"
ITEM = SECTION + "/{item_id:str}"


def field_id(lang: str, name: str) -> str:
    return f"{lang}-{name or 'text'}"


class ContentPages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    @property
    def root(self) -> Path:
        return self.ctx.settings.root

    def routes(self) -> list[Route]:
        return [
            Route("/staff/content/", self.index, methods=["GET"]),
            Route(SECTION + "/_new", self.new_page, methods=["GET"]),
            Route(SECTION + "/_new", self.add, methods=["POST"]),
            Route(ITEM + "/move", self.move, methods=["POST"]),
            Route(ITEM + "/delete", self.delete_page, methods=["GET"]),
            Route(ITEM + "/delete", self.delete, methods=["POST"]),
            Route(ITEM, self.item_page, methods=["GET"]),
            Route(ITEM, self.save, methods=["POST"]),
            Route(ITEM + "/restore", self.restore, methods=["POST"]),
            Route(ITEM + "/accept", self.accept, methods=["POST"]),
        ]

    async def index(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        lang = current.account.language
        work = request.query_params.get("show") == "work"
        items = await ctx.run(lambda: list(listing(self.root, lang)))
        project = await ctx.run(saving.checked, self.root)
        rest = list(others(self.root, project))
        shown = [i for i in items if i.state != "complete"] if work else items
        rest_shown = [o for o in rest if o.state != "complete"] if work else rest
        addable = [{"collection": c, "section": s} for c, s in sorted(structure.ADDABLE)]
        return ctx.pages.page(request, "content.html", lang, current=current, items=shown, work=work,
                              addable=addable, deleted=request.query_params.get("deleted") == "1",
                              others=rest_shown, total=len(items) + len(rest),
                              needing=len(shown) + len(rest_shown) if work else
                              sum(i.state != "complete" for i in items) + sum(o.state != "complete" for o in rest),
                              git=await ctx.run(history.is_repository, self.root), fix=history.FIX_COMMAND)

    async def _ref(self, request: Request, current: Current) -> Ref:
        params = request.path_params
        ref = Ref.parse(params["collection"], params["section"], params["item_id"])
        if ref is None:
            raise NotFound(current)
        return ref

    async def item_page(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="content")
        ref = await self._ref(request, current)
        return await self.show(request, current, ref, version=request.query_params.get("version"))

    async def show(self, request: Request, current: Current, ref: Ref, *, typed: Values | None = None,
                   outcome: saving.Outcome | None = None, version: str | None = None, status: int = 200,
                   rendered: dict[str, Any] | None = None) -> Response:
        ctx, root = self.ctx, self.root
        lang = current.account.language
        text, data = await ctx.run(load_file, root, ref.file)
        entry = find(data, ref)
        if entry is None:
            raise NotFound(current)
        now = values_of(entry, ref.spec)
        git = await ctx.run(history.is_repository, root)
        versions = await ctx.run(history.versions, root, ref.file) if git else []
        compared = await ctx.run(self.compare, ref, version, now) if version and git else None
        review, warnings = await ctx.run(self.review, ref, entry)
        moved_on = [code for code in LANGUAGE_CODES if code not in review]
        in_step = (await ctx.run(since_in_step, root, ref, moved_on[0], text)
                   if review and len(moved_on) == 1 and git else None)
        errors = [self.placed(e_lang, name, problem.text(lang), ref)
                  for e_lang, name, problem in (outcome.errors if outcome else [])]
        by_field = {(e["lang"], e["field"]): e["text"] for e in errors if e["field"] is not None}
        opened_file, opened_item = saving.digest(text), saving.item_digest(now)
        return ctx.pages.page(
            request, "content_item.html", lang, status=status, current=current, ref=ref,
            fields=fields(ref.spec), languages=LANGUAGE_CODES, values=typed or now, field_id=field_id,
            opened_file=opened_file, opened_item=opened_item, outcome=outcome, errors=errors,
            by_field=by_field, git=git, fix=history.FIX_COMMAND, versions=versions, compared=compared,
            version=version, review=review, warnings=warnings, in_step=in_step,
            conflict_current=outcome.current if outcome else None, rendered=rendered,
            saved=request.query_params.get("saved") == "1" and outcome is None, new=False,
            accepted=request.query_params.get("accepted") == "1",
            keys={k: str(entry.get(k, "")) for k in structure.CHOICES.get((ref.collection, ref.section), {})},
            choices=await ctx.run(structure.choices, root, ref.collection, ref.section, lang),
            addable=(ref.collection, ref.section) in structure.ADDABLE)

    @staticmethod
    def placed(lang: str, name: str, text: str, ref: Ref) -> dict[str, Any]:
        """An error of the summary: the field it links to (the language's fields when no one field)."""
        names = [f.name for f in fields(ref.spec)]
        field = name if name in names and (name or names == [""]) else None
        anchor = "" if not lang else field_id(lang, field) if field is not None else f"{lang}-fields"
        return {"lang": lang, "field": field, "text": text, "anchor": anchor}

    def review(self, ref: Ref, entry: Any) -> tuple[tuple[str, ...], list[Problem]]:
        """The languages to review, and the checker's warnings about the item (as `check` gives them)."""
        project = saving.checked(self.root)
        lines = field_lines(entry, ref.spec)
        first, last = entry.lc.line + 1, max(lines, default=entry.lc.line + 1)
        warnings = [p for p in project.problems.warnings if p.path == ref.file and first <= p.line <= last]
        return needs_review(ref, read_lock(self.root), project.translation_hashes), warnings

    def compare(self, ref: Ref, version: str, now: Values) -> dict[str, Any] | None:
        """A version of the item beside now: per language and field, the lines of a diff."""
        old_text = history.file_at(self.root, version, ref.file)
        entry = find(load(old_text), ref) if old_text is not None else None
        if entry is None:
            return None
        old = values_of(entry, ref.spec)
        diffs = []
        for lang in LANGUAGE_CODES:
            for field in fields(ref.spec):
                a, b = old[lang].get(field.name, ""), now[lang].get(field.name, "")
                if a != b:
                    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=1))[2:]
                    diffs.append({"lang": lang, "field": field.name, "lines": lines})
        return {"commit": version, "diffs": diffs}

    def typed(self, data: dict[str, str], ref: Ref) -> Values:
        return {lang: {f.name: data.get(field_id(lang, f.name), "") for f in fields(ref.spec)}
                for lang in LANGUAGE_CODES}

    async def save(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        ref = await self._ref(request, current)
        data = await form_data(request)
        typed = self.typed(data, ref)
        if data.get("preview"):  # the typed item rendered below the fields; nothing saved
            rendered = await ctx.run(rendering.render_item, self.root, ref.spec, typed)
            return await self.show(request, current, ref, typed=typed, rendered=rendered)
        account = current.account
        keys = {k: data.get(f"key-{k}", "") for k in structure.CHOICES.get((ref.collection, ref.section), {})}
        outcome = await ctx.run(saving.save, self.root, ref, typed, opened_file=data.get("opened_file", ""),
                                opened_item=data.get("opened_item", ""), name=account.name, email=account.email,
                                keys=keys)
        if outcome.status in ("saved", "unchanged"):
            if outcome.commit:
                await ctx.run(ctx.audit, account.email, "content-save", f"{ref.lock_key} {outcome.commit[:12]}")
            return ctx.pages.redirect(f"{ref.url}?saved={'1' if outcome.commit else '0'}")
        status = 409 if outcome.status in ("conflict", "no-git", "git-failed") else 422
        return await self.show(request, current, ref, typed=typed, outcome=outcome, status=status)

    async def restore(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        ref = await self._ref(request, current)
        data = await form_data(request)
        version = data.get("version", "")
        old_text = await ctx.run(history.file_at, self.root, version, ref.file)
        entry = find(load(old_text), ref) if old_text is not None else None
        if entry is None:
            raise NotFound(current)
        text, now_data = await ctx.run(load_file, self.root, ref.file)
        now_entry = find(now_data, ref)
        if now_entry is None:
            raise NotFound(current)
        account = current.account
        message = f"{saving.COLLECTION_NAMES[ref.collection]}: {ref.item_id}, restored from {version[:12]}"
        outcome = await ctx.run(
            saving.save, self.root, ref, values_of(entry, ref.spec), opened_file=saving.digest(text),
            opened_item=saving.item_digest(values_of(now_entry, ref.spec)), name=account.name,
            email=account.email, message=message)
        if outcome.status in ("saved", "unchanged"):
            if outcome.commit:
                await ctx.run(ctx.audit, account.email, "content-restore",
                              f"{ref.lock_key} {version[:12]} -> {outcome.commit[:12]}")
            return ctx.pages.redirect(f"{ref.url}?saved={'1' if outcome.commit else '0'}")
        return await self.show(request, current, ref, outcome=outcome, status=422)

    async def accept(self, request: Request) -> Response:
        """"The other language is still right": this item's lock key alone recorded as in step."""
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        ref = await self._ref(request, current)
        account = current.account
        outcome = await ctx.run(saving.accept, self.root, ref.lock_key, name=account.name, email=account.email,
                                message=f"{saving.COLLECTION_NAMES[ref.collection]}: {ref.item_id}, "
                                        "the other language is still right")
        if outcome.status == "unknown":
            raise NotFound(current)
        if outcome.commit:
            await ctx.run(ctx.audit, account.email, "content-accept", f"{ref.lock_key} {outcome.commit[:12]}")
            return ctx.pages.redirect(f"{ref.url}?accepted=1")
        if outcome.status == "unchanged":
            return ctx.pages.redirect(ref.url)
        return await self.show(request, current, ref, outcome=outcome, status=409)

    # -- adding, moving, deleting (structure.py) -------------------------------------------------

    async def _section(self, request: Request, current: Current) -> Ref:
        """A placeholder Ref of the path's section, if items can be added there."""
        params = request.path_params
        ref = Ref.parse(params["collection"], params["section"], "new")
        if ref is None or (ref.collection, ref.section) not in structure.ADDABLE:
            raise NotFound(current)
        return ref

    async def new_page(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="content")
        ref = await self._section(request, current)
        return await self.show_new(request, current, ref, typed=None, keys={}, new_id="")

    async def show_new(self, request: Request, current: Current, ref: Ref, *, typed: Values | None,
                       keys: dict[str, str], new_id: str, id_problem: str | None = None,
                       outcome: saving.Outcome | None = None, status: int = 200) -> Response:
        ctx = self.ctx
        lang = current.account.language
        empty: Values = {code: {f.name: "" for f in fields(ref.spec)} for code in LANGUAGE_CODES}
        errors = [self.placed(e_lang, name, problem.text(lang), ref)
                  for e_lang, name, problem in (outcome.errors if outcome else [])]
        return ctx.pages.page(
            request, "content_item.html", lang, status=status, current=current, ref=ref, new=True,
            fields=fields(ref.spec), languages=LANGUAGE_CODES, values=typed or empty, field_id=field_id,
            outcome=outcome, errors=errors, by_field={(e["lang"], e["field"]): e["text"] for e in errors
                                                      if e["field"] is not None},
            git=await ctx.run(history.is_repository, self.root), fix=history.FIX_COMMAND, versions=[],
            compared=None, review=(), warnings=[], in_step=None, conflict_current=None, saved=False, keys=keys,
            choices=await ctx.run(structure.choices, self.root, ref.collection, ref.section, lang),
            new_id=new_id, id_problem=id_problem, addable=False)

    async def add(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        section = await self._section(request, current)
        data = await form_data(request)
        typed = self.typed(data, section)
        keys = {k: data.get(f"key-{k}", "") for k in structure.CHOICES.get((section.collection, section.section), {})}
        english = typed["en"].get("question") or typed["en"].get("title") or typed["en"].get("", "")
        new_id = data.get("new_id", "").strip() or structure.propose_id(english)
        ref = Ref(section.collection, section.section, new_id)
        problem = await ctx.run(structure.id_problem, self.root, ref) if new_id else "invalid"
        if problem is not None:
            return await self.show_new(request, current, section, typed=typed, keys=keys, new_id=new_id,
                                       id_problem=problem, status=422)
        account = current.account
        outcome = await ctx.run(structure.add, self.root, ref, keys, typed, name=account.name, email=account.email)
        if outcome.status == "saved" and outcome.commit:
            await ctx.run(ctx.audit, account.email, "content-save", f"{ref.lock_key} added {outcome.commit[:12]}")
            return ctx.pages.redirect(f"{ref.url}?saved=1")
        return await self.show_new(request, current, section, typed=typed, keys=keys, new_id=new_id,
                                   outcome=outcome, status=409 if outcome.status == "no-git" else 422)

    async def move(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        ref = await self._ref(request, current)
        data = await form_data(request)
        account = current.account
        step = -1 if data.get("direction") == "up" else 1
        outcome = await ctx.run(structure.move, self.root, ref, step, name=account.name, email=account.email)
        if outcome.commit:
            await ctx.run(ctx.audit, account.email, "content-save", f"{ref.lock_key} moved {outcome.commit[:12]}")
        return ctx.pages.redirect(f"/staff/content/#{ref.collection}-{ref.section}-{ref.item_id}")

    async def delete_page(self, request: Request, *, outcome: saving.Outcome | None = None) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        ref = await self._ref(request, current)
        lang = current.account.language
        mentions = await ctx.run(structure.mentions, self.root, ref)
        errors = [problem.text(lang) for _, _, problem in (outcome.errors if outcome else [])]
        return ctx.pages.page(request, "content_delete.html", lang, status=422 if outcome else 200,
                              current=current, ref=ref, mentions=mentions, errors=errors,
                              git=await ctx.run(history.is_repository, self.root), fix=history.FIX_COMMAND)

    async def delete(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        ref = await self._ref(request, current)
        account = current.account
        outcome = await ctx.run(structure.delete, self.root, ref, name=account.name, email=account.email)
        if outcome.status == "saved" and outcome.commit:
            await ctx.run(ctx.audit, account.email, "content-save", f"{ref.lock_key} deleted {outcome.commit[:12]}")
            return ctx.pages.redirect("/staff/content/?deleted=1")
        return await self.delete_page(request, outcome=outcome)
