"""Stale translations: one language of an item changed, the other did not.

`content/translations.lock.yml` keeps, per item and language, a short hash of
the text as it was when both languages were last in step. Items are the
collections' entries, the prose pages, each form's own texts
(`forms/<id>.yml#form`: title, introduction, privacy text...) and each of its
fields (`forms/<id>.yml#fields/<name>`: label, hint, error messages, choice
labels), and the search synonyms (`content/search-synonyms.yml`, a language's
groups as a whole). `check` compares;
`build` records items whose languages changed together (or are new); staff
accept a change that needs no translation with `python -m generator translations accept`
(every item) or `translations accept KEY` (one: `accept_translation`, also the
content editor's "the other language is still right"). A build into any folder
but the project's site/ (a preview) never writes the lock.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from generator.core.i18n import LANGUAGE_CODES
from generator.core.problems import N_, Problems, language_term

from .content import Content

LOCK_FILE = "content/translations.lock.yml"
SYNONYMS_FILE = "content/search-synonyms.yml"
_HEADER = ("# Written by `python -m generator build` and `translations accept`: do not edit.\n"
           "# Per item, a hash of each language's text when the languages were last in step.\n")


def _digest(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


Unit = tuple[str, dict[str, str], dict[str, tuple[str, int]]]


def _units(content: Content, forms: Mapping[str, Any] | None = None,
           synonyms: Mapping[str, list[list[str]]] | None = None) -> Iterator[Unit]:
    """(key, hash per language, (file, line) per language) for every translatable unit."""
    yield from _content_units(content)
    yield from _form_units(forms or {})
    if synonyms and all(synonyms.get(lang) for lang in LANGUAGE_CODES):
        yield (SYNONYMS_FILE, {lang: _digest(synonyms[lang]) for lang in LANGUAGE_CODES},
               dict.fromkeys(LANGUAGE_CODES, (SYNONYMS_FILE, 1)))


def _form_units(forms: Mapping[str, Any]) -> Iterator[Unit]:
    """A form's own texts as one unit, and each field's texts as one."""
    for form_id, form in sorted(forms.items()):
        rel = form.path or f"forms/{form_id}.yml"
        texts = (form.title, form.intro, form.after_submit, form.privacy, form.received)
        yield (f"{rel}#form", {lang: _digest([t.get(lang) for t in texts]) for lang in LANGUAGE_CODES},
               dict.fromkeys(LANGUAGE_CODES, (rel, 1)))
        for item in form.fields:
            yield (f"{rel}#fields/{item.name}",
                   {lang: _digest([item.label.get(lang), item.hint.get(lang) if item.hint else None,
                                   {code: text.get(lang) for code, text in item.errors.items()},
                                   [option.label.get(lang) for option in item.options]])
                    for lang in LANGUAGE_CODES},
                   dict.fromkeys(LANGUAGE_CODES, (rel, item.line)))


def _content_units(content: Content) -> Iterator[Unit]:
    for file, sections in sorted(content.collections.items()):
        for section, items in sorted(sections.items()):
            for item in items:
                if all(lang in item.text for lang in LANGUAGE_CODES):
                    key = f"{file}#{section + '/' if section else ''}{item.id}"
                    yield (key, {lang: _digest(item.text[lang]) for lang in LANGUAGE_CODES},
                           {lang: (file, item.lines.get(lang, item.line)) for lang in LANGUAGE_CODES})
    slugs = sorted({slug for slug, _ in content.pages})
    for slug in slugs:
        pages = {lang: content.pages.get((slug, lang)) for lang in LANGUAGE_CODES}
        if all(pages.values()):
            yield (f"content/pages/{slug}",
                   {lang: _digest([p.meta.get("title"), p.body]) for lang, p in pages.items() if p},
                   {lang: (p.file, 1) for lang, p in pages.items() if p})


def read_lock(root: Path) -> dict[str, dict[str, str]]:
    path = root / LOCK_FILE
    if not path.exists():
        return {}
    try:
        # libyaml when present: the lock has a line per item, ~1 s for 2,000 items in pure Python.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def check_translations(root: Path, content: Content, problems: Problems, *, forms: Mapping[str, Any] | None = None,
                       synonyms: Mapping[str, list[list[str]]] | None = None) -> dict[str, dict[str, str]]:
    """Warn about stale translations; returns the hashes (as `translation_hashes`) for the build's lock."""
    lock = read_lock(root)
    current = {}
    for key, hashes, where in _units(content, forms, synonyms):
        current[key] = hashes
        recorded = lock.get(key)
        if not isinstance(recorded, dict):
            continue
        changed = [lang for lang in LANGUAGE_CODES if hashes[lang] != recorded.get(lang)]
        if len(changed) != 1:
            continue
        source = changed[0]
        for lang in LANGUAGE_CODES:
            if lang == source:
                continue
            file, line = where[lang]
            problems.warning(
                file, line, "stale-translation",
                N_('The %(changed)s text of "%(item)s" changed, but the %(other)s text did not: update it '
                   "to match. If no change is needed, run: python -m generator translations accept %(key)s"),
                changed=language_term(source), item=key.split("#")[-1], other=language_term(lang), key=key)
    return current


def translation_hashes(content: Content, forms: Mapping[str, Any] | None = None,
                       synonyms: Mapping[str, list[list[str]]] | None = None) -> dict[str, dict[str, str]]:
    """Each unit's hash per language: all `write_lock` needs, small enough to keep past loading."""
    return {key: hashes for key, hashes, _ in _units(content, forms, synonyms)}


def current_hashes(root: Path, problems: Problems) -> dict[str, dict[str, str]]:
    """Every unit's hash as the files are now (content, forms, synonyms loaded; problems reported)."""
    from generator.forms import load_forms

    from .content import load_content
    from .search_synonyms import load_synonyms

    return translation_hashes(load_content(root, problems), load_forms(root, problems), load_synonyms(root, problems))


def update_lock(root: Path, content: Content, *, accept_all: bool = False) -> bool:
    return write_lock(root, translation_hashes(content), accept_all=accept_all)


class UnknownKey(KeyError):
    """No translatable item has this key."""


def accept_translation(root: Path, key: str, current: Mapping[str, dict[str, str]] | None = None) -> bool:
    """Record item `key`'s text in every language as in step, and no other item's; True if the
    lock changed. `current` (`current_hashes`) is loaded when not given; `UnknownKey` for a key
    no item has."""
    if current is None:
        current = current_hashes(root, Problems())
    hashes = current.get(key)
    if hashes is None:
        raise UnknownKey(key)
    lock = read_lock(root)
    if lock.get(key) == hashes:
        return False
    lock[key] = hashes
    _write(root, lock)
    return True


def write_lock(root: Path, current: dict[str, dict[str, str]], *, accept_all: bool = False) -> bool:
    """Record units that are in step (or all, with accept_all). True if the file changed."""
    lock = read_lock(root)
    new: dict[str, dict[str, str]] = {}
    for key, hashes in current.items():
        recorded = lock.get(key) if isinstance(lock.get(key), dict) else None
        changed = [lang for lang in LANGUAGE_CODES if recorded is None or hashes[lang] != recorded.get(lang)]
        stale = recorded is not None and len(changed) == 1
        new[key] = recorded if (stale and not accept_all) else hashes  # type: ignore[assignment]
    if new == lock:
        return False
    _write(root, new)
    return True


def _write(root: Path, new: dict[str, dict[str, str]]) -> None:
    body = "".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, sort_keys=True)}\n"
                   for k, v in sorted(new.items()))
    path = root / LOCK_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(_HEADER + body, encoding="utf-8")
    tmp.replace(path)
