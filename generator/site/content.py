"""Load and check the content collections and prose pages.

Collections are YAML files with `ar:` and `en:` side by side per item, so a
missing translation is visible in the file itself; prose pages are Markdown
with front matter, one file per language (`policy.ar.md`, `policy.en.md`).
Loading never stops at the first mistake: every problem goes to `Problems`.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.i18n import LANGUAGE_CODES
from generator.core.problems import N_, Problems, Term, closest
from generator.core.yamlsource import LineDict, LineList, load_yaml_file, parse_front_matter, read_text


@dataclass(frozen=True)
class ItemSpec:
    """What one item of a collection may hold."""

    id_key: str
    keys: dict[str, type]  # untranslated keys -> expected type
    required: tuple[str, ...]
    text: dict[str, type]  # keys inside each language -> expected type
    required_text: tuple[str, ...]

    @property
    def all_keys(self) -> tuple[str, ...]:
        return (*self.keys, *LANGUAGE_CODES)


SERVICE = ItemSpec(
    id_key="slug",
    # kinds: a field of the service's form whose choices are the kinds of help it offers;
    # documents: true to list organisation.what_to_prepare (content/settings.yml) under "What to prepare".
    keys={"slug": str, "form": str, "channels": list, "kinds": str, "documents": bool},
    required=("slug", "channels"),
    text={"title": str, "summary": str, "audience": str, "prepare": list, "steps": list, "timeline": str},
    required_text=("title", "summary", "audience", "prepare", "steps", "timeline"),
)
FAQ_TOPIC = ItemSpec("id", {"id": str}, ("id",), {}, ())
FAQ_QUESTION = ItemSpec(
    id_key="anchor",
    keys={"anchor": str, "topic": str},
    required=("anchor", "topic"),
    text={"question": str, "answer": str},
    required_text=("question", "answer"),
)
CHARTER_ITEM = ItemSpec("slug", {"slug": str}, ("slug",), {"title": str, "text": str}, ("title", "text"))
# service: true for an entry the policy lists among its channels that is a service, not a way a
# request arrives (help requests, volunteering): left out of the staff's "received through" list.
CHANNEL = ItemSpec("id", {"id": str, "service": bool}, ("id",), {}, ())

# file -> {section: spec}; None as section means the file is the list itself.
COLLECTIONS: dict[str, dict[str | None, ItemSpec]] = {
    "content/channels.yml": {None: CHANNEL},
    "content/services.yml": {None: SERVICE},
    "content/faq.yml": {"topics": FAQ_TOPIC, "questions": FAQ_QUESTION},
    "content/charter.yml": {"rights": CHARTER_ITEM, "duties": CHARTER_ITEM},
}
PAGE_KEYS = {"title": str, "description": str, "template": str, "approved_on": object,
             "approval_session": int}
PAGE_TEMPLATES = ("page", "policy", "contact", "home")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class Item:
    """One collection item: its id, untranslated values and text per language."""

    file: str
    line: int
    id: str
    values: dict[str, Any]
    text: dict[str, Any]  # lang -> str (scalar items) or dict of text keys
    lines: dict[str, int] = field(default_factory=dict)  # lang -> line of that language

    def t(self, lang: str, key: str | None = None) -> Any:
        value = self.text.get(lang)
        return value if key is None else (value or {}).get(key)


@dataclass
class Page:
    slug: str  # "index", "policy", "contact"
    lang: str
    file: str
    meta: dict[str, Any]
    body: str
    body_line: int

    @property
    def template(self) -> str:
        return str(self.meta.get("template") or "page")


@dataclass
class Content:
    collections: dict[str, dict[str, list[Item]]] = field(default_factory=dict)
    pages: dict[tuple[str, str], Page] = field(default_factory=dict)  # (slug, lang) -> Page

    def items(self, file: str, section: str | None = None) -> list[Item]:
        return self.collections.get(f"content/{file}", {}).get(section or "", [])


# From this many bytes of collection files on, they are parsed two at a time in
# forked processes, while the caller goes on (load_project loads the forms): at
# 1,000 items a language services.yml and faq.yml take ~0.3 s each, while a fork
# and sending the items back cost a few hundredths.
PARALLEL_BYTES = 2_000_000


def load_content(root: Path, problems: Problems) -> Content:
    return ContentLoader(root).result(problems)


class ContentLoader:
    """Starts loading the content at once; `result` waits for it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        size = sum((root / rel).stat().st_size for rel in COLLECTIONS if (root / rel).exists())
        if size >= PARALLEL_BYTES:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=2, mp_context=multiprocessing.get_context("fork"))
            self.pending = [self.pool.submit(_load_collection_alone, str(root), rel) for rel in COLLECTIONS]

    def result(self, problems: Problems) -> Content:
        try:
            loaded = ([future.result() for future in self.pending] if self.pool
                      else [_load_collection_alone(str(self.root), rel) for rel in COLLECTIONS])
        finally:
            self.close()
        content = Content()
        for rel, (collection, found) in zip(COLLECTIONS, loaded):
            content.collections[rel] = collection
            problems.extend(found)
        _load_pages(self.root, content, problems)
        _check_references(content, problems)
        return content

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


def _load_collection_alone(root: str, rel: str) -> tuple[dict[str, list[Item]], list]:
    problems = Problems()
    return _load_collection(Path(root), rel, COLLECTIONS[rel], problems), problems.items


def _load_collection(root: Path, rel: str, sections: dict[str | None, ItemSpec],
                     problems: Problems) -> dict[str, list[Item]]:
    path = root / rel
    if not path.exists():
        problems.error(rel, 1, "missing-file", N_("The file %(rel)s is missing; restore it from the repository."),
                       rel=rel)
        return {}
    data = load_yaml_file(path, rel=rel, problems=problems)
    if data is None:
        return {}
    result: dict[str, list[Item]] = {}
    seen: dict[str, int] = {}  # ids share one page, so they are unique across sections
    if None in sections:
        result[""] = _load_items(rel, data, sections[None], problems, seen)
        return result
    if not isinstance(data, LineDict):
        problems.error(rel, 1, "invalid-structure",
                       N_("This file must have the sections: %(items)s."),
                       items=', '.join((s for s in sections if s)))
        return {}
    for key in data:
        if key not in sections:
            problems.error(rel, data.line_of(key), "unknown-key",
                           N_('Unknown section "%(key)s".%(suggestion)s'),
                           key=key, suggest=closest(key, [s for s in sections if s]))
    for section, spec in sections.items():
        assert section is not None
        if section not in data:
            problems.error(rel, data.line, "missing-key", N_('Add the section "%(section)s:".'), section=section)
            continue
        result[section] = _load_items(rel, data[section], spec, problems, seen)
    return result


def _load_items(rel: str, data: Any, spec: ItemSpec, problems: Problems,
                seen: dict[str, int]) -> list[Item]:
    if not isinstance(data, LineList):
        line = getattr(data, "line", 1)
        problems.error(rel, line, "invalid-structure",
                       N_('This must be a list of items, each starting with "- ".'))
        return []
    items: list[Item] = []
    for index, raw in enumerate(data):
        line = data.line_of(index)
        if not isinstance(raw, LineDict):
            problems.error(rel, line, "invalid-structure",
                           N_('Each item must be a set of "key: value" lines (starting with "%(id_key)s:").'),
                           id_key=spec.id_key)
            continue
        item = _load_item(rel, raw, spec, problems)
        if item is None:
            continue
        if item.id in seen:
            problems.error(rel, raw.line_of(spec.id_key), f"duplicate-{spec.id_key}",
                           N_('The %(id_key)s "%(id)s" is already used on line %(seen)s. Each %(id_key)s must be '
                              "unique: change one of them."), id_key=spec.id_key, id=item.id, seen=seen[item.id])
            continue
        seen[item.id] = raw.line_of(spec.id_key)
        items.append(item)
    return items


def _load_item(rel: str, raw: LineDict, spec: ItemSpec, problems: Problems) -> Item | None:
    for key in raw:
        if key not in spec.all_keys:
            problems.error(rel, raw.line_of(key), "unknown-key",
                           N_('Unknown key "%(key)s".%(suggestion)s'), key=key, suggest=closest(key, spec.all_keys))
    for key in spec.required:
        if raw.get(key) in (None, ""):
            problems.error(rel, raw.line, "missing-key", N_('This item needs "%(key)s:".'), key=key)
    for key, kind in spec.keys.items():
        if key in raw and raw[key] is not None and not isinstance(raw[key], kind):
            problems.error(rel, raw.line_of(key), "invalid-value",
                           N_('"%(key)s" must be %(value)s.'), key=key, value=_kind_name(kind))
    item_id = raw.get(spec.id_key)
    if not isinstance(item_id, str) or not item_id:
        return None
    if not SLUG.match(item_id):
        problems.error(rel, raw.line_of(spec.id_key), "invalid-slug",
                       N_('"%(item_id)s" must be lowercase English letters, digits and hyphens (e.g. '
                          '"how-to-apply"): it becomes part of a web address in both languages.'),
                       item_id=item_id)
    item = Item(file=rel, line=raw.line, id=item_id,
                values={k: raw.get(k) for k in spec.keys}, text={})
    for lang in LANGUAGE_CODES:
        value = raw.get(lang)
        item.lines[lang] = raw.line_of(lang)
        if value in (None, "", {}):
            problems.error(rel, raw.line, "missing-translation",
                           N_('"%(item_id)s" has no "%(lang)s:" text. Add it beside the other language.'),
                           item_id=item_id, lang=lang)
            continue
        if not spec.text:  # a scalar item: `ar: text`
            if not isinstance(value, str):
                problems.error(rel, raw.line_of(lang), "invalid-value", N_('"%(lang)s" must be plain text.'),
                               lang=lang)
                continue
            item.text[lang] = value.strip()
            continue
        if not isinstance(value, LineDict):
            problems.error(rel, raw.line_of(lang), "invalid-structure",
                           N_('"%(lang)s:" must hold the keys %(items)s.'),
                           lang=lang, items=', '.join(spec.required_text))
            continue
        item.text[lang] = _load_text(rel, item_id, lang, value, spec, problems)
    return item


def _load_text(rel: str, item_id: str, lang: str, value: LineDict, spec: ItemSpec,
               problems: Problems) -> dict[str, Any]:
    for key in value:
        if key not in spec.text:
            problems.error(rel, value.line_of(key), "unknown-key",
                           N_('Unknown key "%(key)s".%(suggestion)s'), key=key, suggest=closest(key, spec.text))
    for key in spec.required_text:
        if value.get(key) in (None, "", []):
            problems.error(rel, value.line, "missing-key",
                           N_('"%(item_id)s" has no "%(key)s:" under "%(lang)s:". Add it.'),
                           item_id=item_id, key=key, lang=lang)
    text: dict[str, Any] = {}
    for key, kind in spec.text.items():
        if key not in value or value[key] is None:
            continue
        if not isinstance(value[key], kind) or (kind is list and not all(isinstance(v, str) for v in value[key])):
            problems.error(rel, value.line_of(key), "invalid-value", N_('"%(key)s" must be %(value)s.'),
                           key=key, value=_kind_name(kind))
            continue
        text[key] = value[key].strip() if isinstance(value[key], str) else [v.strip() for v in value[key]]
    return text


def _kind_name(kind: type) -> str:
    names = {str: N_("text"), list: N_('a list (lines starting with "- ")'), int: N_("a whole number"),
             bool: N_("true or false")}
    return Term(names[kind]) if kind in names else kind.__name__


def _load_pages(root: Path, content: Content, problems: Problems) -> None:
    pages_dir = root / "content" / "pages"
    slugs: dict[str, set[str]] = {}
    for path in sorted(pages_dir.glob("*.md")):
        rel = path.relative_to(root).as_posix()
        parts = path.name[: -len(".md")].rsplit(".", 1)
        if len(parts) != 2 or parts[1] not in LANGUAGE_CODES:
            problems.error(rel, 1, "invalid-file-name",
                           N_('Name prose files "<name>.<language>.md" with the language one of %(items)s (e.g. '
                              '"policy.ar.md").'), items=', '.join(LANGUAGE_CODES))
            continue
        slug, lang = parts
        text = read_text(path, rel=rel, problems=problems)
        doc = parse_front_matter(text, path=rel, problems=problems) if text is not None else None
        if doc is None:
            continue
        for key in doc.meta:
            if key not in PAGE_KEYS:
                problems.error(rel, doc.meta.line_of(key), "unknown-key",
                               N_('Unknown front matter key "%(key)s".%(suggestion)s'), key=key,
                               suggest=closest(key, PAGE_KEYS))
        if not doc.meta.get("title"):
            problems.error(rel, doc.meta.line, "missing-key", N_('Add "title:" to the front matter.'))
        template = doc.meta.get("template", "page")
        if template not in PAGE_TEMPLATES:
            problems.error(rel, doc.meta.line_of("template"), "invalid-value",
                           N_('Unknown template "%(template)s".%(suggestion)s'),
                           template=template, suggest=closest(str(template), PAGE_TEMPLATES))
        content.pages[(slug, lang)] = Page(slug, lang, rel, dict(doc.meta), doc.body, doc.body_line)
        slugs.setdefault(slug, set()).add(lang)
    for slug, langs in sorted(slugs.items()):
        for lang in LANGUAGE_CODES:
            if lang not in langs:
                have = sorted(langs)[0]
                problems.error(f"content/pages/{slug}.{have}.md", 1, "missing-translation",
                               N_('There is no "%(slug)s.%(lang)s.md": add the %(lang)s version of this page.'),
                               slug=slug, lang=lang)


def _check_references(content: Content, problems: Problems) -> None:
    """Ids that point at other collections (a service's channels, an FAQ topic) must exist."""
    channels = {item.id for item in content.items("channels.yml")}
    for service in content.items("services.yml"):
        for channel in service.values.get("channels") or []:
            if channel not in channels:
                problems.error(service.file, service.line, "unknown-reference",
                               N_('"%(id)s" lists the channel "%(channel)s", which is not in '
                                  "content/channels.yml.%(suggestion)s"),
                               id=service.id, channel=channel, suggest=closest(str(channel), channels))
    topics = {item.id for item in content.items("faq.yml", "topics")}
    for question in content.items("faq.yml", "questions"):
        topic = question.values.get("topic")
        if topic and topic not in topics:
            problems.error(question.file, question.line, "unknown-reference",
                           N_('"%(id)s" has the topic "%(topic)s", which is not among the topics at the top of the '
                              "file.%(suggestion)s"), id=question.id, topic=topic, suggest=closest(str(topic), topics))
