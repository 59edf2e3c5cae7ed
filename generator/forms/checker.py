"""The small vocabulary every form-file check speaks: report, keys, texts.

A `Checker` is bound to one file, so each check is one readable line and every
message names the line a person has to open. The messages are for staff who
edit YAML, not programmers: they say what is wrong and what to write instead.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

from generator.core.languages import english_names
from generator.core.problems import Problems, did_you_mean
from generator.core.yamlsource import LineDict

from .model import LANGS

LANGUAGE_NAMES = english_names()
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

    def error(self, line: int, code: str, message: str) -> None:
        self.errors += 1
        self.problems.error(self.rel, line, code, message)

    def warning(self, line: int, code: str, message: str) -> None:
        self.problems.warning(self.rel, line, code, message)

    def mapping(self, value: Any, line: int, what: str) -> LineDict | None:
        """`value` if it is a mapping, else an `invalid-value` problem."""
        if isinstance(value, LineDict):
            return value
        self.error(line, "invalid-value", f"{what} must be a group of \"key: value\" lines, indented under it.")
        return None

    def unknown_keys(self, mapping: LineDict, allowed: Iterable[str], where: str) -> None:
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                self.error(
                    mapping.line_of(key), "unknown-key",
                    f'{where} has an unknown key "{key}".{did_you_mean(key, allowed)} '
                    f"Known keys: {', '.join(allowed)}.",
                )

    def missing_keys(self, mapping: LineDict, required: Iterable[str], where: str) -> bool:
        """Report each absent key; True when all are present."""
        ok = True
        for key in required:
            if key not in mapping:
                ok = False
                self.error(mapping.line, "missing-key", f'{where} has no "{key}". Add a line "{key}: ...".')
        return ok

    def text(self, owner: LineDict, key: str, where: str) -> dict[str, str] | None:
        """A bilingual text `key: {ar: ..., en: ...}`: both languages, non-empty."""
        value = owner.get(key)
        line = owner.line_of(key)
        if not isinstance(value, LineDict):
            self.error(
                line, "invalid-value",
                f'{where} must have an Arabic and an English version, each on its own line '
                f'under "{key}:", such as "  ar: ..." and "  en: ...".',
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
                           f'{where}: the {LANGUAGE_NAMES[lang]} text must be text; put it in quotes.')
            else:
                self.error(
                    value.line_of(lang) if lang in value else line, "missing-translation",
                    f'{where} has no {LANGUAGE_NAMES[lang]} text. Add "{lang}: ..." under "{key}:".',
                )
        return result if len(result) == len(LANGS) else None

    def whole_number(self, owner: LineDict, key: str, where: str, *, minimum: int) -> int | None:
        value = owner.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        self.error(owner.line_of(key), "invalid-value",
                   f'{where} must be a whole number of at least {minimum}, such as "{key}: {max(minimum, 1)}"; '
                   f"found {value!r}.")
        return None
