"""The search synonyms (content/search-synonyms.yml) in the editor: each language's groups, one
group a line, its words separated by commas (Latin or Arabic), at /staff/content/synonyms.
Groups are changed in place, so the file's comments and every group not changed keep their
lines. Saved, checked and committed as the other pages (`check` checks the groups).
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core.i18n import LANGUAGE_CODES
from generator.core.problems import Problem
from generator.site.search_synonyms import SYNONYMS_FILE
from generator.staff.context import StaffContext
from generator.staff.guards import require
from generator.staff.request_data import form_data
from generator.staff.sessions import Current

from . import history
from .catalogue import load_file
from .saving import ONE_AT_A_TIME, Outcome, write_checked

PATH = "/staff/content/synonyms"
_SEPARATOR = re.compile(r"[,،]")


def groups_text(data: Any, lang: str) -> str:
    groups = data.get(lang) if isinstance(data, dict) else None
    comma = "، " if lang == "ar" else ", "
    return "\n".join(comma.join(str(word) for word in group) for group in (groups or []) if isinstance(group, list))


def digest(data: Any) -> str:
    text = json.dumps({lang: groups_text(data, lang) for lang in LANGUAGE_CODES}, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _parse(text: str) -> list[list[str]]:
    lines = (line.strip().strip("-[] ") for line in text.replace("\r\n", "\n").splitlines())
    return [[word.strip() for word in _SEPARATOR.split(line) if word.strip()] for line in lines if line]


def apply(data: Any, typed: dict[str, str]) -> list[str]:
    """Each language's groups as typed, changed in place; the languages changed."""
    changed = []
    for lang in LANGUAGE_CODES:
        new = _parse(typed.get(lang, ""))
        old = data.get(lang)
        if not isinstance(old, list):
            old = data[lang] = CommentedSeq()
        if [[str(w) for w in g] for g in old if isinstance(g, list)] == new:
            continue
        for index, group in enumerate(new):
            if index < len(old) and isinstance(old[index], list):
                if [str(w) for w in old[index]] != group:
                    old[index][:] = group
            else:
                flow = CommentedSeq(group)
                flow.fa.set_flow_style()
                if index < len(old):
                    old[index] = flow
                else:
                    old.append(flow)
        del old[len(new):]
        changed.append(lang)
    return changed


def _placer(new_text: str, problems: list[Problem]) -> list[tuple[str, str, Problem]]:
    from .yamlfile import load

    data = load(new_text)
    starts = sorted((data.lc.key(lang)[0] + 1, lang) for lang in LANGUAGE_CODES if lang in data)
    placed = []
    for problem in problems:
        lang = next((code for line, code in reversed(starts) if problem.line >= line), "")
        placed.append((lang if problem.path == SYNONYMS_FILE else "", "groups" if lang else "", problem))
    return placed


def save(root: Path, typed: dict[str, str], *, opened: str, name: str, email: str) -> Outcome:
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        if not (root / SYNONYMS_FILE).exists():
            (root / SYNONYMS_FILE).write_text("", encoding="utf-8")
        _, data = load_file(root, SYNONYMS_FILE)
        data = data if isinstance(data, dict) else CommentedMap()
        if digest(data) != opened:
            return Outcome("conflict")
        changed = apply(data, typed)
        if not changed:
            return Outcome("unchanged")
        words = ", ".join("Arabic" if lang == "ar" else "English" for lang in changed)
        return write_checked(root, SYNONYMS_FILE, data, placer=_placer, name=name, email=email,
                             message=f"Search synonyms: {words}", changed=[(lang, "groups") for lang in changed])


class SynonymsPage:
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

    async def show(self, request: Request, current: Current, *, typed: dict[str, str] | None = None,
                   outcome: Outcome | None = None, status: int = 200) -> Response:
        ctx = self.ctx
        lang = current.account.language
        data: Any = {}
        if (self.root / SYNONYMS_FILE).exists():
            _, data = await ctx.run(load_file, self.root, SYNONYMS_FILE)
        errors = [{"lang": e_lang, "anchor": f"synonyms-{e_lang}" if e_lang else "", "text": problem.text(lang)}
                  for e_lang, _, problem in
                  (outcome.errors if outcome else [])]
        git = await ctx.run(history.is_repository, self.root)
        versions = await ctx.run(history.versions, self.root, SYNONYMS_FILE) if git else []
        return ctx.pages.page(
            request, "content_synonyms.html", lang, status=status, current=current, languages=LANGUAGE_CODES,
            values=typed or {code: groups_text(data or {}, code) for code in LANGUAGE_CODES},
            opened=digest(data or {}), errors=errors, by_lang={e["lang"]: e["text"] for e in errors if e["lang"]},
            outcome=outcome, git=git, fix=history.FIX_COMMAND,
            saved=request.query_params.get("saved") == "1" and outcome is None, history_file=SYNONYMS_FILE,
            versions=versions, restore_state=request.query_params.get("restore", ""))

    async def save(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        data = await form_data(request)
        typed = {lang: data.get(f"synonyms-{lang}", "") for lang in LANGUAGE_CODES}
        account = current.account
        outcome = await ctx.run(save, self.root, typed, opened=data.get("opened", ""), name=account.name,
                                email=account.email)
        if outcome.status in ("saved", "unchanged"):
            if outcome.commit:
                await ctx.run(ctx.audit, account.email, "content-save", f"{SYNONYMS_FILE} {outcome.commit[:12]}")
            return ctx.pages.redirect(f"{PATH}?saved={'1' if outcome.commit else '0'}")
        return await self.show(request, current, typed=typed, outcome=outcome,
                               status=409 if outcome.status in ("conflict", "no-git", "git-failed") else 422)
