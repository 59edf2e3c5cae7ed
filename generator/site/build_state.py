"""What the MkDocs hooks need from the build that started them.

MkDocs loads hooks as plain modules, with no way to hand them objects; the
build sets `CURRENT` before it forks the per-language builds, which inherit it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.organisation import Settings


@dataclass
class BuildState:
    settings: Settings = field(default_factory=Settings)
    forms: dict[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None  # the project's .build/: compiled theme templates are kept there
    synonyms: dict[str, list[list[str]]] = field(default_factory=dict)  # lang -> the search's synonym groups
    date: dt.date | None = None  # the date the site carries (the sitemaps); None: MkDocs' own (today)


CURRENT = BuildState()
