"""What the editor can edit: the items of the content collections (site/content.py's
COLLECTIONS), each item's fields per language, and each item's state in words (complete, a
language missing, a translation to review after the other language changed, read from
site/translations.py's lock).

An item is named by a `Ref`: the collection ("faq"), its section ("questions"; "-" for a file
that is the list itself) and its id, which is also its web address and its lock key.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from generator.core.i18n import LANGUAGE_CODES
from generator.core.organisation import PLACEHOLDER
from generator.core.problems import Problems
from generator.site.check import Project
from generator.site.content import COLLECTIONS, SLUG, ItemSpec, load_content
from generator.site.translations import read_lock, translation_hashes

from . import yamlfile
from .yamlfile import styled

FILES = {"services": "content/services.yml", "faq": "content/faq.yml", "charter": "content/charter.yml",
         "channels": "content/channels.yml"}
NO_SECTION = "-"
#: Fields written as Markdown (plain text areas); other text fields are one line or a few.
MARKDOWN = {"answer", "text"}
#: Lists of lines (one entry per line in the text area).
Values = dict[str, dict[str, str]]  # language -> field -> text ("" field: an item that is one text)


@dataclass(frozen=True)
class Ref:
    collection: str
    section: str
    item_id: str

    @property
    def file(self) -> str:
        return FILES[self.collection]

    @property
    def section_key(self) -> str | None:
        return None if self.section == NO_SECTION else self.section

    @property
    def spec(self) -> ItemSpec:
        return COLLECTIONS[self.file][self.section_key]

    @property
    def lock_key(self) -> str:
        return f"{self.file}#{self.section + '/' if self.section_key else ''}{self.item_id}"

    @property
    def url(self) -> str:
        return f"/staff/content/{self.collection}/{self.section}/{self.item_id}"

    @staticmethod
    def parse(collection: str, section: str, item_id: str) -> Ref | None:
        """The item named by a path, if the collection and section exist and the id is well formed."""
        file = FILES.get(collection)
        key = None if section == NO_SECTION else section
        if file is None or key not in COLLECTIONS[file] or not SLUG.fullmatch(item_id):
            return None
        return Ref(collection, section, item_id)


@dataclass(frozen=True)
class Field:
    name: str  # "" for an item that is one text per language (FAQ topics, channels)
    kind: type  # str or list
    required: bool

    @property
    def markdown(self) -> bool:
        return self.name in MARKDOWN

    @property
    def multiline(self) -> bool:
        return self.markdown or self.kind is list


def fields(spec: ItemSpec) -> list[Field]:
    if not spec.text:
        return [Field("", str, True)]
    return [Field(name, kind, name in spec.required_text) for name, kind in spec.text.items()]


def sections(data: Any, ref: Ref) -> list[Any]:
    """The list the item belongs to, in the loaded file."""
    if ref.section_key is None:
        return data if isinstance(data, list) else []
    found = data.get(ref.section_key) if isinstance(data, dict) else None
    return found if isinstance(found, list) else []


def find(data: Any, ref: Ref) -> Any | None:
    """The item's mapping in the loaded file, or None."""
    for entry in sections(data, ref):
        if isinstance(entry, dict) and entry.get(ref.spec.id_key) == ref.item_id:
            return entry
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v).strip() for v in value)
    return "" if value is None else str(value).strip()


def values_of(entry: Any, spec: ItemSpec) -> Values:
    """The item's text per language and field, as the edit page shows it."""
    found: Values = {}
    for lang in LANGUAGE_CODES:
        text = entry.get(lang) if entry is not None else None
        if not spec.text:
            found[lang] = {"": _as_text(text)}
        else:
            found[lang] = {f.name: _as_text(text.get(f.name) if isinstance(text, dict) else None)
                           for f in fields(spec)}
    return found


def apply(entry: Any, spec: ItemSpec, typed: Values) -> list[tuple[str, str]]:
    """Put the typed text into the item's mapping, changing only what differs (so the rest of
    the file keeps its bytes); the (language, field) pairs changed."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    changed = []
    now = values_of(entry, spec)
    for lang in LANGUAGE_CODES:
        for field in fields(spec):
            new = typed.get(lang, {}).get(field.name, "").replace("\r\n", "\n").strip()
            if new == now[lang][field.name]:
                continue
            changed.append((lang, field.name))
            if not spec.text:
                entry[lang] = styled(entry.get(lang), new)
                continue
            if not isinstance(entry.get(lang), dict):
                entry[lang] = CommentedMap()
            block = entry[lang]
            if field.kind is list:
                lines = [line.strip() for line in new.splitlines() if line.strip()]
                block[field.name] = CommentedSeq(lines)
            else:
                block[field.name] = styled(block.get(field.name), new)
    return changed


def field_lines(entry: Any, spec: ItemSpec) -> dict[int, tuple[str, str]]:
    """Line (1-based) -> (language, field) of each field of the item, to place a checker's problem."""
    lines: dict[int, tuple[str, str]] = {}
    for lang in LANGUAGE_CODES:
        if lang not in entry:
            continue
        if not spec.text:
            lines[entry.lc.key(lang)[0] + 1] = (lang, "")
            continue
        block: Any = entry[lang]
        lines[entry.lc.key(lang)[0] + 1] = (lang, "*")
        if hasattr(block, "lc"):
            for name in block:
                lines[block.lc.key(name)[0] + 1] = (lang, str(name))
    return lines


@dataclass(frozen=True)
class Listed:
    ref: Ref
    title: str  # in the account's language, else the other, else the id
    state: str  # "complete", "missing", "review"
    languages: tuple[str, ...]  # the languages missing, or to review


def listing(root: Path, lang: str) -> Iterator[Listed]:
    """Every item of every collection, in file order, with its state."""
    content = load_content(root, Problems())
    lock, hashes = read_lock(root), translation_hashes(content)
    for collection, file in FILES.items():
        for section, spec in COLLECTIONS[file].items():
            for item in content.collections.get(file, {}).get(section or "", []):
                ref = Ref(collection, section or NO_SECTION, item.id)
                yield Listed(ref, _title(item.text, lang, spec) or item.id, *_state(item.text, spec, ref, lock, hashes))


def _title(text: dict[str, Any], lang: str, spec: ItemSpec) -> str:
    for code in (lang, *LANGUAGE_CODES):
        value = text.get(code)
        if isinstance(value, dict):
            value = value.get("question") or value.get("title")
        if isinstance(value, str) and value:
            return value
    return ""


def _state(text: dict[str, Any], spec: ItemSpec, ref: Ref, lock: dict[str, dict[str, str]],
           hashes: dict[str, dict[str, str]]) -> tuple[str, tuple[str, ...]]:
    missing = tuple(lang for lang in LANGUAGE_CODES
                    if not text.get(lang) or any(not (text[lang] or {}).get(key) for key in spec.required_text))
    if missing:
        return "missing", missing
    review = needs_review(ref, lock, hashes)
    return ("review", review) if review else ("complete", ())


def needs_review(ref: Ref | str, lock: dict[str, dict[str, str]], hashes: dict[str, dict[str, str]]
                 ) -> tuple[str, ...]:
    """The languages left behind: the other language changed since the two were last in step."""
    key = ref if isinstance(ref, str) else ref.lock_key
    recorded, now = lock.get(key), hashes.get(key)
    if not isinstance(recorded, dict) or now is None:
        return ()
    changed = [lang for lang in LANGUAGE_CODES if now.get(lang) != recorded.get(lang)]
    return tuple(lang for lang in LANGUAGE_CODES if lang not in changed) if len(changed) == 1 else ()


@dataclass(frozen=True)
class Other:
    """A row of the list that is edited by hand for now: a prose page, a setting, the synonyms, a form."""

    kind: str  # "page", "setting", "synonyms", "form"
    name: str  # the page's slug, the setting's key, the language, the form's id
    file: str
    line: int
    state: str  # "complete", "missing", "review", "placeholder"
    languages: tuple[str, ...] = ()


def others(root: Path, project: Project) -> Iterator[Other]:
    """The prose pages (a language missing, or to review), each setting not filled in yet, the
    search synonyms and the forms' texts, from the project's check."""
    content, hashes = project.content, project.translation_hashes
    lock = read_lock(root)
    for slug in sorted({slug for slug, _ in content.pages}):
        missing = tuple(lang for lang in LANGUAGE_CODES if (slug, lang) not in content.pages)
        review = () if missing else needs_review(f"content/pages/{slug}", lock, hashes)
        state = "missing" if missing else "review" if review else "complete"
        yield Other("page", slug, f"content/pages/{slug}.{{ar,en}}.md", 1, state, missing or review)
    for problem in project.problems.warnings:
        if problem.code == PLACEHOLDER:  # the message starts with the key (organisation._placeholder)
            yield Other("setting", problem.message.split('"')[1], problem.path, problem.line, "placeholder")
    yield Other("synonyms", "", "content/search-synonyms.yml", 1, "complete")
    for form_id in sorted(project.forms):
        yield Other("form", form_id, f"forms/{form_id}.yml", 1, "complete")


class MissingFile(FileNotFoundError):
    """A content file the editor needs is not in the project: the page answers 404 (staff/app.py)."""


def load_file(root: Path, rel: str) -> tuple[str, Any]:
    try:
        text = (root / rel).read_text(encoding="utf-8")
    except FileNotFoundError as missing:
        raise MissingFile(rel) from missing
    return text, yamlfile.load(text)
