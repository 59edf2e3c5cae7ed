"""The prose pages (content/pages/<slug>.<lang>.md: front matter and Markdown) in the editor, at
/staff/content/pages/<slug>: each language's title, description and text side by side. Both
files are saved together, checked and committed as the other pages; the front matter is written
round-trip (its other keys, such as the policy's approval, kept) and the text as typed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core.i18n import LANGUAGE_CODES
from generator.core.problems import Problem
from generator.site.content import SLUG
from generator.site.translations import read_lock
from generator.staff.context import StaffContext
from generator.staff.guards import NotFound, require
from generator.staff.request_data import form_data
from generator.staff.sessions import Current

from . import history, yamlfile
from .catalogue import MissingFile, needs_review
from .saving import ONE_AT_A_TIME, Outcome, checked, write_texts
from .yamlfile import styled

FIELDS = ("title", "description", "body")
Typed = dict[str, dict[str, str]]  # language -> field -> text


def page_file(slug: str, lang: str) -> str:
    return f"content/pages/{slug}.{lang}.md"


def split(text: str) -> tuple[str, str]:
    """(front matter YAML, body) of a page file (`check` reports a file without front matter)."""
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if not lines or lines[0].strip() != "---" or end is None:
        return "", text
    return "\n".join(lines[1:end]) + "\n", "\n".join(lines[end + 1:])


def read(root: Path, slug: str) -> dict[str, tuple[str, Any, str]]:
    """Per language: the file's text, its front matter (loaded round-trip) and its body."""
    found = {}
    for lang in LANGUAGE_CODES:
        try:
            text = (root / page_file(slug, lang)).read_text(encoding="utf-8")
        except FileNotFoundError as missing:
            raise MissingFile(page_file(slug, lang)) from missing
        meta, body = split(text)
        found[lang] = (text, yamlfile.load(meta) if meta.strip() else None, body)
    return found


def values(pages: dict[str, tuple[str, Any, str]]) -> Typed:
    return {lang: {"title": str((meta or {}).get("title") or "").strip(),
                   "description": str((meta or {}).get("description") or "").strip(),
                   "body": body.strip("\n")} for lang, (_, meta, body) in pages.items()}


def digest(pages: dict[str, tuple[str, Any, str]]) -> str:
    return hashlib.sha256("\0".join(text for text, _, _ in pages.values()).encode()).hexdigest()[:20]


def save(root: Path, slug: str, typed: Typed, *, opened: str, name: str, email: str) -> Outcome:
    with ONE_AT_A_TIME:
        if not history.is_repository(root):
            return Outcome("no-git")
        pages = read(root, slug)
        if digest(pages) != opened:
            return Outcome("conflict")
        now, texts, changed = values(pages), {}, []
        for lang, (_, meta, body) in pages.items():
            new = {f: typed.get(lang, {}).get(f, "").replace("\r\n", "\n").strip() for f in FIELDS}
            fields_changed = [f for f in FIELDS if new[f] != now[lang][f]]
            if not fields_changed or meta is None:
                continue
            for key in ("title", "description"):
                if key in fields_changed:
                    meta[key] = styled(meta.get(key), " ".join(new[key].split()))
            new_body = new["body"] + "\n" if "body" in fields_changed else body
            texts[page_file(slug, lang)] = f"---\n{yamlfile.dump(meta)}---\n{new_body}"
            changed += [(lang, f) for f in fields_changed]
        if not changed:
            return Outcome("unchanged")
        parts = [f"{'Arabic' if lang == 'ar' else 'English'} {f}" for lang, f in changed]
        return write_texts(root, texts, placer=_placer(texts), name=name, email=email,
                           message=f"Page {slug}: {', '.join(parts)}", changed=changed)


def _placer(texts: dict[str, str]) -> Any:
    def place(_: str, problems: list[Problem]) -> list[tuple[str, str, Problem]]:
        placed = []
        for problem in problems:
            lang, field = "", ""
            for rel, text in texts.items():
                if problem.path == rel:
                    lang = rel.rsplit(".", 2)[1]
                    meta, _ = split(text)
                    meta_end = meta.count("\n") + 2  # the closing "---"
                    field = "body" if problem.line > meta_end else next(
                        (key for key in ("title", "description") if f'"{key}:"' in problem.message), "title")
            placed.append((lang, field, problem))
        return placed
    return place


def field_id(lang: str, field: str) -> str:
    return f"page-{lang}-{field}"


class ProsePages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    @property
    def root(self) -> Path:
        return self.ctx.settings.root

    def routes(self) -> list[Route]:
        path = "/staff/content/pages/{slug:str}"
        return [Route(path, self.page, methods=["GET"]), Route(path, self.save, methods=["POST"])]

    def _slug(self, request: Request, current: Current) -> str:
        slug = str(request.path_params["slug"])
        if not SLUG.fullmatch(slug) or not all((self.root / page_file(slug, lang)).is_file()
                                               for lang in LANGUAGE_CODES):
            raise NotFound(current)
        return slug

    async def page(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="content")
        return await self.show(request, current, self._slug(request, current))

    async def show(self, request: Request, current: Current, slug: str, *, typed: Typed | None = None,
                   outcome: Outcome | None = None, status: int = 200) -> Response:
        ctx = self.ctx
        lang = current.account.language
        pages = await ctx.run(read, self.root, slug)
        project = await ctx.run(checked, self.root)
        review = needs_review(f"content/pages/{slug}", read_lock(self.root), project.translation_hashes)
        errors = [{"lang": e_lang, "field": field, "text": problem.text(lang),
                   "anchor": field_id(e_lang, field) if e_lang and field else ""}
                  for e_lang, field, problem in (outcome.errors if outcome else [])]
        return ctx.pages.page(
            request, "content_page.html", lang, status=status, current=current, slug=slug,
            languages=LANGUAGE_CODES, fields=FIELDS, field_id=field_id, values=typed or values(pages),
            opened=digest(pages), errors=errors, review=review,
            by_field={(e["lang"], e["field"]): e["text"] for e in errors if e["anchor"]},
            outcome=outcome, git=await ctx.run(history.is_repository, self.root), fix=history.FIX_COMMAND,
            saved=request.query_params.get("saved") == "1" and outcome is None)

    async def save(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="content")
        slug = self._slug(request, current)
        data = await form_data(request)
        typed = {lang: {f: data.get(field_id(lang, f), "") for f in FIELDS} for lang in LANGUAGE_CODES}
        account = current.account
        outcome = await ctx.run(save, self.root, slug, typed, opened=data.get("opened", ""), name=account.name,
                                email=account.email)
        if outcome.status in ("saved", "unchanged"):
            if outcome.commit:
                await ctx.run(ctx.audit, account.email, "content-save", f"content/pages/{slug} {outcome.commit[:12]}")
            return ctx.pages.redirect(f"/staff/content/pages/{slug}?saved={'1' if outcome.commit else '0'}")
        return await self.show(request, current, slug, typed=typed, outcome=outcome,
                               status=409 if outcome.status in ("conflict", "no-git", "git-failed") else 422)
