"""The small vocabulary every form-file check speaks: report, keys, texts.

A `Checker` is bound to one file, so each check is one readable line and every
message names the line a person has to open. The messages are for staff who
edit YAML, not programmers: they say what is wrong and what to write instead.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

from generator.core.problems import N_, Phrase, Problems, closest, language_term
from generator.core.yamlsource import LineDict

from .model import LANGS

#: What a message is about ('Field "name"'): translated with it (core/problems.py).
Where = str | Phrase
#: Ids and file names: lower-case Latin letters, digits and single hyphens ("help-request").
KEBAB_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def empty(line: int) -> LineDict:
    """An empty mapping standing in for an optional one that was not written."""
    mapping = LineDict()
    mapping.line, mapping.lines = line, {}
    return mapping


def plain(value: Any) -> Any:
    """LineDict/LineList -> dict/list, dates -> ISO text: a JSON-able copy.

    The Table Schema handed to frictionless and to the Data Package export must
    not depend on our YAML loader, and YAML reads `2024-01-01` as a date.
    """
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


class Checker:
    def __init__(self, rel: str, problems: Problems):
        self.rel = rel
        self.problems = problems
        self.errors = 0

    def error(self, line: int, code: str, message: str, /, *, suggest: str = "", **params: object) -> None:
        """`message`: an `N_()` message id, its `%(name)s` values as keywords (core/problems.py)."""
        self.errors += 1
        self.problems.error(self.rel, line, code, message, suggest=suggest, **params)

    def warning(self, line: int, code: str, message: str, /, *, suggest: str = "", **params: object) -> None:
        self.problems.warning(self.rel, line, code, message, suggest=suggest, **params)

    def mapping(self, value: Any, line: int, what: Where) -> LineDict | None:
        """`value` if it is a mapping, else an `invalid-value` problem."""
        if isinstance(value, LineDict):
            return value
        self.error(line, "invalid-value", N_('%(what)s must be a group of "key: value" lines, indented under it.'),
                   what=what)
        return None

    def unknown_keys(self, mapping: LineDict, allowed: Iterable[str], where: Where) -> None:
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                self.error(
                    mapping.line_of(key), "unknown-key",
                    N_('%(where)s has an unknown key "%(key)s".%(suggestion)s Known keys: %(items)s.'),
                    where=where, key=key, items=', '.join(allowed), suggest=closest(key, allowed),
                )

    def missing_keys(self, mapping: LineDict, required: Iterable[str], where: Where) -> bool:
        """Report each absent key; True when all are present."""
        ok = True
        for key in required:
            if key not in mapping:
                ok = False
                self.error(mapping.line, "missing-key", N_('%(where)s has no "%(key)s". Add a line "%(key)s: ...".'),
                           where=where, key=key)
        return ok

    def text(self, owner: LineDict, key: str, where: Where) -> dict[str, str] | None:
        """A bilingual text `key: {ar: ..., en: ...}`: both languages, non-empty."""
        value = owner.get(key)
        line = owner.line_of(key)
        if not isinstance(value, LineDict):
            self.error(
                line, "invalid-value",
                N_('%(where)s must have an Arabic and an English version, each on its own line under "%(key)s:", '
                   'such as "  ar: ..." and "  en: ...".'), where=where, key=key,
            )
            return None
        self.unknown_keys(value, LANGS, where)
        result: dict[str, str] = {}
        for lang in LANGS:
            text = value.get(lang)
            if isinstance(text, str) and text.strip():
                result[lang] = text.strip()
            elif lang in value and not isinstance(text, str):
                self.error(value.line_of(lang), "invalid-value",
                           N_("%(where)s: the %(language)s text must be text; put it in quotes."),
                           where=where, language=language_term(lang))
            else:
                self.error(
                    value.line_of(lang) if lang in value else line, "missing-translation",
                    N_('%(where)s has no %(language)s text. Add "%(lang)s: ..." under "%(key)s:".'),
                    where=where, language=language_term(lang), lang=lang, key=key,
                )
        return result if len(result) == len(LANGS) else None

    def whole_number(self, owner: LineDict, key: str, where: Where, *, minimum: int) -> int | None:
        value = owner.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        self.error(owner.line_of(key), "invalid-value",
                   N_('%(where)s must be a whole number of at least %(minimum)s, such as "%(key)s: %(value)s"; '
                      "found %(value2)s."),
                   where=where, minimum=minimum, key=key, value=max(minimum, 1), value2=repr(value))
        return None
