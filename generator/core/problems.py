"""Problems found in content and form files, collected first and reported once.

Every problem names the file, the line, a stable code and what to do, in the
`path:line: [code] message` shape that editors and CI logs understand.

Messages are in both languages: a check passes a gettext message id marked with
`N_()` (so `python -m generator messages` extracts it into the same catalogs as
the interface) and its values as named placeholders:

    problems.error(rel, line, "unknown-key", N_('Unknown key "%(key)s".%(suggestion)s'), key=key,
                   suggest=closest(key, allowed))

`message` and `str(problem)` are English; `problem.text("ar")` is the Arabic.
A value that is itself a word to translate (a language's name) is a `Term`.
tests/core/test_problem_messages.py fails on a call whose message is not an
`N_()` literal or lacks its Arabic translation.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Literal, Mapping

Severity = Literal["error", "warning"]
Params = tuple[tuple[str, object], ...]


def N_(message: str) -> str:
    """Marks a checker message id for the catalogs; it is translated when shown (`Problem.text`)."""
    return message


class Term(str):
    """A placeholder value that is itself a message id ("A field", a language's name): translated too."""


class Phrase:
    """A placeholder value that is a message id with values of its own ('Field "%(name)s"'):
    the part of a message a check names once and uses in many (`where` in the form checks)."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.template, self.params = template, params

    def __str__(self) -> str:
        return self.template % self.params if self.params else self.template

    def __repr__(self) -> str:
        return f"Phrase({str(self)!r})"

    def text(self, language: str) -> str:
        values = {key: _value(language, value) for key, value in self.params.items()}
        return _translate(language, self.template, values)


def _value(language: str, value: object) -> object:
    if isinstance(value, Term):
        return _translate(language, value, {})
    if isinstance(value, Phrase):
        return value.text(language)
    return value


_SUGGESTION = N_(' Did you mean "%(match)s"?')
#: Where a message wants the suggestion (`suggest=`) placed; without it, it comes last.
_AT = "%(suggestion)s"
_LANGUAGE_NAMES = (N_("Arabic"), N_("English"))  # each language's english_name, for the catalogs


def language_term(code: str) -> Term:
    """A language's name as a placeholder value ("Arabic" / "العربية")."""
    from .languages import language

    return Term(language(code).english_name)


def _render(language: str, template: str, params: Params, suggest: str) -> str:
    values = {key: _value(language, value) for key, value in params}
    hint = _translate(language, _SUGGESTION, {"match": suggest}) if suggest else ""
    if _AT in template:
        return _translate(language, template, {**values, "suggestion": hint})
    return _translate(language, template, values) + hint


def _translate(language: str, template: str, values: Mapping[str, object]) -> str:
    """The catalog's text for `template`, filled in (any placeholder name, `code` too)."""
    from .i18n import translations

    text = translations(language).gettext(template)
    return text % values if values else text


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    code: str
    message: str  # in English
    severity: Severity = "error"
    #: The message id and its values, for `text`; "" when `message` was given as finished text.
    template: str = field(default="", compare=False)
    params: Params = field(default=(), compare=False)
    suggest: str = field(default="", compare=False)

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: [{self.code}] {prefix}{self.message}"

    def text(self, language: str) -> str:
        """The message in `language` (English for a message not in the catalogs)."""
        if not self.template:
            return self.message
        return _render(language, self.template, self.params, self.suggest)

    def line_text(self, language: str) -> str:
        """`path:line: [code] message` in `language`, as `check --language` prints it."""
        from .i18n import gettext

        prefix = gettext(language, "warning: ") if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: [{self.code}] {prefix}{self.text(language)}"


def make(path: str, line: int | None, code: str, template: str, severity: Severity = "error", *,
         suggest: str = "", params: Mapping[str, object] | None = None) -> Problem:
    """A problem from a message id and its values (English `message` rendered now)."""
    values: Params = tuple(sorted((params or {}).items()))
    english = _english(template, values, suggest)
    return Problem(str(path), line or 1, code, english, severity, template, values, suggest)


def _english(template: str, params: Params, suggest: str) -> str:
    values = dict(params)
    hint = _SUGGESTION % {"match": suggest} if suggest else ""
    if _AT in template:
        return template % {**values, "suggestion": hint}
    text = template % values if values else template
    return text + hint


@dataclass
class Problems:
    """A collector: checks add to it, the caller decides when to stop."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int | None, code: str, message: str, /, *, suggest: str = "",
              **params: object) -> None:
        """`message`: an `N_()` message id with `%(name)s` placeholders, their values as keywords."""
        self.items.append(make(path, line, code, message, "error", suggest=suggest, params=params))

    def warning(self, path: str, line: int | None, code: str, message: str, /, *, suggest: str = "",
                **params: object) -> None:
        self.items.append(make(path, line, code, message, "warning", suggest=suggest, params=params))

    def extend(self, other: Iterable[Problem]) -> None:
        self.items.extend(other)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items), key=lambda p: (p.path, p.line, p.code, p.message))


def closest(word: str, choices: Iterable[str]) -> str:
    """The close match of `word` among `choices` ("" when none): a problem's `suggest`."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else ""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' Did you mean "x"?' when a close match exists, else '' (English only: prefer `suggest=closest(...)`)."""
    match = closest(word, choices)
    return f' Did you mean "{match}"?' if match else ""


class ContentError(Exception):
    """Raised by build when content has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
