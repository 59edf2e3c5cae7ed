"""Load everything a build needs and check it: `python -m generator check`.

The same function feeds `build`, so what `check` accepts is what gets built.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from generator.core.i18n import LANGUAGE_CODES
from generator.core.organisation import Settings, load_settings
from generator.core.problems import N_, Problems, closest

from .content import Content, ContentLoader
from .privacy_dates import check_privacy_dates
from .search_synonyms import load_synonyms
from .translations import check_translations

_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@dataclass
class Project:
    root: Path
    problems: Problems
    settings: Settings
    content: Content
    forms: dict[str, Any] = field(default_factory=dict)
    translation_hashes: dict[str, dict[str, str]] = field(default_factory=dict)  # for the build's lock file
    synonyms: dict[str, list[list[str]]] = field(default_factory=dict)  # lang -> groups, for the search
    privacy_dates: dict[str, dict[str, str]] = field(default_factory=dict)  # for the build's privacy dates lock


def load_project(root: Path) -> Project:
    problems = Problems()
    settings = load_settings(root, problems)
    loader = ContentLoader(root)  # big collection files are parsed in the background...
    try:
        form_problems = Problems()
        forms = _load_forms(root, form_problems)  # ...while the forms load
        content = loader.result(problems)
    finally:
        loader.close()
    problems.extend(form_problems.items)  # in the order a plain load would give
    project = Project(root, problems, settings, content, forms, synonyms=load_synonyms(root, problems))
    _check_links(project)
    _check_form_references(project)
    _check_replies(project)
    project.translation_hashes = check_translations(root, content, problems, forms=forms, synonyms=project.synonyms)
    project.privacy_dates = check_privacy_dates(root, forms, problems)
    return project


def check_project(root: Path) -> Problems:
    return load_project(root).problems


def _load_forms(root: Path, problems: Problems) -> dict[str, Any]:
    from generator.forms import load_forms

    return load_forms(root, problems)


def _check_replies(project: Project) -> None:
    """content/replies.yml: the staff's reply templates (forms/replies.py)."""
    from generator.forms.replies import load_replies

    load_replies(project.root, project.forms, project.problems)


def _check_form_references(project: Project) -> None:
    for service in project.content.items("services.yml"):
        form_id = service.values.get("form")
        if form_id and form_id not in project.forms and not (project.root / f"forms/{form_id}.yml").exists():
            project.problems.error(service.file, service.line, "unknown-reference",
                                   N_('"%(item)s" links to the form "%(form)s", but there is no '
                                      "forms/%(form)s.yml."), item=service.id, form=form_id)
        kinds = service.values.get("kinds")
        form = project.forms.get(form_id) if form_id else None
        if kinds and form is not None:
            fields = {field.name: field for field in form.fields}
            if kinds not in fields or not fields[kinds].options:
                choices = [name for name, field in fields.items() if field.options]
                project.problems.error(service.file, service.line, "unknown-reference",
                                       N_('"%(item)s" takes its kinds of help from the field "%(field)s" of '
                                          "forms/%(form)s.yml, but that form has no such field with "
                                          "choices.%(suggestion)s"),
                                       item=service.id, field=str(kinds), form=form_id,
                                       suggest=closest(str(kinds), choices))
        elif kinds and not form_id:
            project.problems.error(service.file, service.line, "missing-key",
                                   N_('"%(item)s" has "kinds:" but no "form:" to take them from.'), item=service.id)


# --- internal links ---------------------------------------------------------

def known_targets(project: Project) -> dict[str, set[str]]:
    """Every page path the site will have, with the anchors each one offers."""
    content = project.content
    items = content.items
    targets: dict[str, set[str]] = {
        "index.md": set(), "policy/index.md": {"approval"}, "contact/index.md": {"reach-us", "channels"},
        "services/index.md": {s.id for s in items("services.yml")}
        | {f"{s.id}-{part}" for s in items("services.yml")
           for part in ("audience", "prepare", "apply", "steps", "timeline")},
        "faq/index.md": {q.id for q in items("faq.yml", "questions")} | {t.id for t in items("faq.yml", "topics")},
        "charter/index.md": {"rights", "duties"} | {i.id for i in items("charter.yml", "rights")}
        | {i.id for i in items("charter.yml", "duties")},
        "status/index.md": set(), "search/index.md": set(),
    }
    for form_id in project.forms:
        targets[f"forms/{form_id}/index.md"] = set()
    return targets


def _markdown_sources(project: Project) -> Iterator[tuple[str, int, str, str]]:
    """(file, line, page path the text is shown on, Markdown text)."""
    for (slug, _lang), page in project.content.pages.items():
        where = "index.md" if slug == "index" else f"{slug}/index.md"
        for offset, line in enumerate(page.body.split("\n")):
            yield page.file, page.body_line + offset, where, line
    shown_on = {"content/services.yml": "services/index.md", "content/faq.yml": "faq/index.md",
                "content/charter.yml": "charter/index.md"}
    for file, sections in project.content.collections.items():
        shown = shown_on.get(file)
        if shown is None:
            continue
        for items in sections.values():
            for item in items:
                for lang in LANGUAGE_CODES:
                    text_of = item.text.get(lang) or {}
                    for value in text_of.values() if isinstance(text_of, dict) else [text_of]:
                        for text in value if isinstance(value, list) else [value]:
                            yield file, item.lines.get(lang, item.line), shown, text


def _check_links(project: Project) -> None:
    targets = known_targets(project)
    for file, line, where, text in _markdown_sources(project):
        for match in _LINK.finditer(text):
            href = match.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("//"):
                continue  # external (https:, mailto:, tel:)
            path, _, anchor = href.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(where), path)) if path else where
            if resolved.endswith("/") or resolved == ".":
                resolved = posixpath.join(resolved, "index.md").lstrip("./")
            if resolved not in targets:
                project.problems.error(
                    file, line, "broken-link",
                    N_('The link "%(href)s" points to a page that does not exist. Links are relative to '
                       "the page they appear on (%(where)s); existing pages: %(pages)s."),
                    href=href, where=where, pages=", ".join(sorted(targets)))
            elif anchor and anchor not in targets[resolved]:
                project.problems.error(
                    file, line, "broken-link",
                    N_('The link "%(href)s" points to "#%(anchor)s", which is not on %(page)s.'),
                    href=href, anchor=anchor, page=resolved)
