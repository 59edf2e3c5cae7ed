"""Problems found in content and form files, collected first and reported once.

Every problem names the file, the line, a stable code and what to do, in the
`path:line: [code] message` shape that editors and CI logs understand.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    code: str
    message: str
    severity: Severity = "error"

    def text(self, language: str) -> str: return self.message

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: [{self.code}] {prefix}{self.message}"


@dataclass
class Problems:
    """A collector: checks add to it, the caller decides when to stop."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int | None, code: str, message: str) -> None:
        self.items.append(Problem(str(path), line or 1, code, message, "error"))

    def warning(self, path: str, line: int | None, code: str, message: str) -> None:
        self.items.append(Problem(str(path), line or 1, code, message, "warning"))

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


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' Did you mean "x"?' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' Did you mean "{match[0]}"?' if match else ""


class ContentError(Exception):
    """Raised by build when content has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
